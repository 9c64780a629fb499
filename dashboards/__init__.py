"""The Streamlit dashboard of lbx (`lbx dashboard`; entry point `dashboards/app.py`).

A package so that the app's modules import as `dashboards.*`, names that no
installed package shadows.
"""
