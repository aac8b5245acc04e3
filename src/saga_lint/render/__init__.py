"""Renderers: one module per output format; each reads a pipeline ``Result`` and returns text."""

FORMATS = ("text", "json")


def render(fmt: str, result, **kw) -> str:
    import importlib

    mod = importlib.import_module(f"saga_lint.render.{fmt}_format")
    return mod.render(result, **kw)
