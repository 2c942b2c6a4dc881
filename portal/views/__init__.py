"""The patient's pages, one module per part of the portal; portal/urls.py maps them."""
