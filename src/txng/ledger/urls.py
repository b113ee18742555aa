"""Pages of the ledger app."""

from django.urls import path

from txng.ledger import views

app_name = "ledger"

urlpatterns = [
    path("", views.index, name="index"),
    path("proof", views.proof, name="proof"),
]
