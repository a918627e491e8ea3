from website import documentation, examples_page, fly, header, imprint_privacy, main_page, rate_limits, svg
ui.run(uvicorn_reload_includes='*.py, *.css, *.html', reload=not on_fly, reconnect_timeout=10.0)
