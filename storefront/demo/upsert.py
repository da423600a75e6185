"""Write a demo row by its natural key, touching the database only when something changed.

`update_or_create` saves on every call, which bumps `auto_now` timestamps: a second
`load_demo` would then leave different data behind. Saving only real changes keeps a
repeated load a no-op, field for field.
"""

from django.db import models


def upsert(model: type[models.Model], *, lookup: dict, values: dict, initial: dict | None = None) -> models.Model:
    """Return the row matching `lookup`, created or brought up to date with `values`.
    `initial` fields are set only when the row is created (data the demo's users change,
    such as stock levels)."""
    instance = model._default_manager.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values, **(initial or {}))
        instance.save()
        return instance
    changed = [name for name, value in values.items() if _current(instance, name) != _comparable(value)]
    if changed:
        for name in changed:
            setattr(instance, name, values[name])
        instance.save()
    return instance


def _current(instance: models.Model, name: str):
    field = instance._meta.get_field(name)
    if field.is_relation and field.many_to_one:
        return getattr(instance, field.attname)
    value = getattr(instance, name)
    if isinstance(field, models.FileField):
        return value.name or ""
    return value


def _comparable(value):
    if isinstance(value, models.Model):
        return value.pk
    return value
