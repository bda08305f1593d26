"""Notifications: a transactional outbox delivered by email, SMS and in-app."""
