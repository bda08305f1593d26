"""Element names and order of GeoReport v2 (open311.org GeoReport v2 spec, Service Discovery, FixMyStreet's
servicerequestupdates), written out from the specification, to check our answers against."""

DISCOVERY = ["changeset", "contact", "key_service", "endpoints"]
ENDPOINT = ["specification", "url", "changeset", "type", "formats"]
SERVICE = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
SERVICE_DEFINITION = ["service_code", "attributes"]
ATTRIBUTE = ["variable", "code", "datatype", "required", "datatype_description", "order", "description", "values"]
VALUE = ["key", "name"]
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
POST_ANSWER = ["service_request_id", "service_notice", "account_id"]
TOKEN_ANSWER = ["service_request_id", "token"]
REQUEST = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
]
ERROR = ["code", "description"]
REQUEST_UPDATE = ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"]
# Ours, only with extensions=true / in updates (FixMyStreet reads external_status_code).
EXTENDED_ATTRIBUTES = ["detailed_status", "urgent", "area", "channel", "media_urls", "notes"]
NOTE = ["datetime", "summary", "type", "description"]
UPDATE_EXTRA = ["external_status_code"]
W3C_LOCAL = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$"
