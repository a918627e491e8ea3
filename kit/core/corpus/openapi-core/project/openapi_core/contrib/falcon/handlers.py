from falcon.response import Response
