"""The HTML pages, one blueprint per area."""

from flask import Flask


def init_app(app: Flask) -> None:
    from ..accounts import token_expired
    from ..origin import web_origin
    from . import account, admin, agreement, annotate, auth, exports, ledger, main, team

    app.add_template_global(token_expired)
    app.add_template_global(web_origin)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(annotate.bp)
    app.register_blueprint(agreement.bp)
    app.register_blueprint(ledger.bp)
    app.register_blueprint(team.bp)
    app.register_blueprint(exports.bp)
    from .adjudicate import bp as adjudicate_bp
    app.register_blueprint(adjudicate_bp)
