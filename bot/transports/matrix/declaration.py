"""How Matrix declares itself (bot/transports/hooks.py): its section, its app, its data, its
checks, its coordinators' room, its claims, its contact and deep links. From the package's
light modules only: reading it loads no matrix-nio."""

from __future__ import annotations

from bot.transports.hooks import Offers, Transport
from bot.transports.matrix import checks as matrix_checks
from bot.transports.matrix import config as matrix_config
from bot.transports.matrix import personal_data as matrix_data


class Matrix(Transport[matrix_config.MatrixSection, None]):
    """Matrix: people chat with the bot in a Matrix client (Element); the coordinators'
    room is a Matrix room; its data: the button maps of its messages, its rooms."""

    platform = "matrix"
    module = "bot.transports.matrix"
    section = "matrix"
    offers = Offers(app="Matrix")
    data = matrix_data.DECLARED
    user_id_problem = staticmethod(matrix_config.user_id_problem)
    backchannel = staticmethod(matrix_config.backchannel)
    completed = staticmethod(matrix_config.completed)
    claims = staticmethod(matrix_config.claims)
    city_checks = staticmethod(matrix_checks.checks)
    contact = staticmethod(matrix_config.contact)
    opening = staticmethod(matrix_config.opening)
