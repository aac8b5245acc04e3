"""Renderers: one module per output format; each reads a pipeline ``Result`` and returns text."""

FORMATS = ("text", "json")


def render(fmt: str, result, **kw) -> str:
    import importlib

    mod = importlib.import_module(f"saga_lint.render.{fmt}_format")
    return utf8_safe(mod.render(result, **kw))


def utf8_safe(text: str) -> str:
    """Every output is valid UTF-8: a file name that is not UTF-8 reaches the renderers as lone
    surrogates (Python's surrogateescape); they become U+FFFD here instead of failing the write."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # other lone surrogates
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
