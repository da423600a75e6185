"""The errors entry points, visits and shares answer with; the codes are listed in
docs/campaigns.md ("Error codes")."""

from rest_framework import status

from config.errors import KitError, NotFound


class SceneNotFound(NotFound):
    code = "scene_not_found"
    message = "No entry point has this scene."


class SceneExpired(KitError):
    code = "scene_expired"
    message = "This code's campaign has ended or has not started."
    status_code = status.HTTP_410_GONE


class SceneTooLong(KitError):
    code = "scene_too_long"
    message = "A scene is at most 32 characters."


class SceneInvalid(KitError):
    code = "scene_invalid"
    message = "A scene holds only digits, letters and !#$&'()*+,/:;=?@-._~."


class LinkTooLong(KitError):
    code = "link_too_long"
    message = "A URL link lasts at most 30 days."


class ShareTargetNotFound(NotFound):
    code = "share_target_not_found"
    message = "There is no such product, campaign or order of yours to share."
