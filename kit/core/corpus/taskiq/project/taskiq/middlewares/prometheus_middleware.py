        from prometheus_client import start_http_server  # noqa: PLC0415
