import os

PORT = int(os.environ.get("SVC_PORT", "8082"))
