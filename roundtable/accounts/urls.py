from django.urls import path

from roundtable.accounts import views, views_admin, views_tokens

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.login_verify, name="login_verify"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("language/", views.set_language, name="set_language"),
    path("preferences/density/", views.list_density, name="list_density"),
    # One's own account.
    path("", views.account, name="account"),
    path("password/", views.password_change, name="password_change"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("invitation/<uidb64>/<token>/", views.InvitationView.as_view(), name="invitation"),
    path("api-tokens/", views_tokens.api_token_create, name="api_token_create"),
    path("api-tokens/<int:pk>/revoke/", views_tokens.api_token_revoke, name="api_token_revoke"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/set-up/", views.two_factor_enrol, name="two_factor_enrol"),
    path(
        "two-factor/backup-codes/",
        views.two_factor_backup_codes,
        name="two_factor_backup_codes",
    ),
    path("two-factor/turn-off/", views.two_factor_disable, name="two_factor_disable"),
    # Administration of users (administrators).
    path("users/", views_admin.user_list, name="user_list"),
    path("users/new/", views_admin.user_create, name="user_create"),
    path("users/<int:pk>/", views_admin.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", views_admin.user_edit, name="user_edit"),
    path("users/<int:pk>/seats/new/", views_admin.membership_add, name="membership_add"),
    path(
        "users/<int:pk>/seats/<int:membership_pk>/end/",
        views_admin.membership_end,
        name="membership_end",
    ),
    path("users/<int:pk>/deactivate/", views_admin.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", views_admin.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/invite/", views_admin.user_invite, name="user_invite"),
    path(
        "users/<int:pk>/reset-second-factor/",
        views_admin.user_reset_second_factor,
        name="user_reset_second_factor",
    ),
]
