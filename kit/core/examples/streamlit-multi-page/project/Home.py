import streamlit as st

from helpers import TITLE

st.title(TITLE)
