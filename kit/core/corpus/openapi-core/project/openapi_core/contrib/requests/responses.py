from requests import Response
