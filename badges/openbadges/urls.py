from django.urls import path

from badges.openbadges import views

# Open Badges 3.0, hosted: public by design. The issuer URL is badges.keys.issuer_id, and each key's URL its key_id.
urlpatterns = [
    path("ob3/credentials/<uuid:uuid>", views.ob3_credential, name="ob3_credential"),
    path("ob3/credentials/<uuid:uuid>.jwt", views.ob3_credential_jwt, name="ob3_credential_jwt"),
    path("issuers/<int:pk>", views.ob3_issuer, name="ob3_issuer"),
    path("issuers/<int:pk>/keys/<int:key_pk>", views.ob3_issuer_key, name="ob3_issuer_key"),
    path("issuers/<int:pk>/jwks", views.ob3_issuer_jwks, name="ob3_issuer_jwks"),
    path("issuers/<int:pk>/revocations", views.ob3_revocation_list, name="ob3_revocation_list"),
    path("issuers/<int:pk>/status/revocation", views.ob3_status_list, name="ob3_status_list"),
]
