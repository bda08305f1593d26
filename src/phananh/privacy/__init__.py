"""The citizen's rights over their personal data (Law 91/2025/QH15): download, erasure, who read it; retention."""
