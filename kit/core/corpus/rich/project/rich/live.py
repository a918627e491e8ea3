                    from ipywidgets import Output
