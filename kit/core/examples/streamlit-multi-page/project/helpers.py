TITLE = 'shape: streamlit'
