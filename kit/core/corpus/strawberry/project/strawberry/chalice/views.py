from chalice.app import Request, Response
