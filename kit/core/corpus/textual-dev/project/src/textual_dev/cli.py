        run_app(import_name, args, environment)
