    from nicegui_highcharts import highchart
