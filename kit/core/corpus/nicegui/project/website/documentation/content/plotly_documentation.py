    import plotly.graph_objects as go
