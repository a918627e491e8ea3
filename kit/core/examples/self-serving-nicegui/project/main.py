from nicegui import ui

ui.label("shape: nicegui")

ui.run(port=8090, reload=False)
