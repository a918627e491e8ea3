app = create_app()
