# Run by the PROJECT's interpreter in manage.py's folder (python -c + runpy): loads the settings
# the way the project's manage.py does, with every environment variable the project's own code
# reads traced, and writes one JSON document to $DEVKIT_TRACE_OUT. Standard library + Django only
# (python-decouple, django-environ and python-dotenv are traced when the project has them).
#
# A variable that is set keeps its value and one with a default gets its default, so the switches
# a project reads (DJANGO_ENV, ENV_FILE) behave as they will; one with neither gets a unique marker
# (a number for *PORT, a URL for *_URL/*_DSN, text otherwise), so the settings still load. The
# values that end up in settings.DATABASES are then traced back to the variables that gave them.
# Reads by libraries (asgiref, the standard library) are left alone. Env files the settings open
# (dotenv, django-environ, decouple, open()) and LOGGING's file handlers are recorded too.
import builtins
import json
import os
import re
import runpy
import sys

OUT = os.environ.pop("DEVKIT_TRACE_OUT")
MANAGE = os.path.realpath(os.environ.pop("DEVKIT_TRACE_MANAGE"))
ROOT = os.path.realpath(os.environ.pop("DEVKIT_TRACE_ROOT"))
HERE = os.path.realpath(__file__)
REAL = {"DJANGO_SETTINGS_MODULE", "DJANGO_CONFIGURATION"}
REAL_PREFIXES = ("PYTHON", "_PYTHON", "DEVKIT_")  # the interpreter's and libraries' own switches
LIBRARIES = (
    "/decouple",
    "/environ/",
    "/dotenv/",
    "/dj_database_url",
    "/os.py",
    "<frozen os>",
    "/pathlib.py",
)
UNSET = object()
# "real": no markers at all (a variable with neither a value nor a default behaves as unset): the
# second try when the settings failed with markers, to tell a marker's doing from the project's.
MARK = os.environ.pop("DEVKIT_TRACE_MODE", "mark") != "real"
quiet = [0]  # > 0: reads answered as the process has them (a library's own default is at work)

reads = {}  # name -> {"default": bool, "set": bool, "via": str, "where": "file:line", "cast": str}
given = {}  # name -> the value the settings got (the real one, the default, or a marker)
env_files = []
counter = [0]


def _project_frame():
    """The frame of the project's code that asked for the variable (None: a library or Python)."""
    frame = sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename
        if path.startswith("<") and not path.startswith("<frozen os>"):
            return None  # Python's own machinery (importlib, collections.abc)
        if path != HERE and not any(lib in path for lib in LIBRARIES):
            real = os.path.realpath(path)
            inside = real.startswith(ROOT + os.sep) and "/site-packages/" not in real
            return frame if inside else None
        frame = frame.f_back
    return None


def _real(name):
    """The variable's value as the process has it (None: unset), read past the tracing."""
    raw = os.environ._data.get(os.environ.encodekey(name))
    return None if raw is None else os.environ.decodevalue(raw)


def _marker(name):
    counter[0] += 1
    n = counter[0]
    if re.search(r"(URL|URI|DSN)$", name):
        return "postgres://dkm%du:dkm%dp@dkm%dh:%d/dkm%dn" % (n, n, n, 64000 + n, n)
    if re.search(r"PORT$", name):
        return str(64000 + n)
    return "dkm%dz" % n


def _read(name, default, via, cast=None, optional=False):
    """What the settings get for `name`, recorded: the real value, else the default, else a
    marker. None means: do what the library does (the variable is not the project's).
    `optional`: a read that accepts "unset" (os.environ.get without a default gives None): it
    gets a marker too, so that DATABASES can be traced, but the project does not need it."""
    if quiet[0]:
        return None
    frame = _project_frame()
    if frame is None or name in REAL or name.startswith(REAL_PREFIXES):
        return None
    real = _real(name)
    if name not in reads:
        where = "%s:%d" % (os.path.relpath(frame.f_code.co_filename, ROOT), frame.f_lineno)
        reads[name] = {
            "default": default is not UNSET or optional,
            "set": real is not None,
            "via": via,
            "where": where,
        }
        if cast is not None:
            reads[name]["cast"] = getattr(cast, "__name__", type(cast).__name__)
    if real is not None:
        value = real
    elif default is not UNSET:
        value = default
    elif not MARK:
        return None  # unset, as the project would find it
    else:
        value = given.get(name) or _marker(name)
    given.setdefault(name, value)
    return value


class TracingEnviron(type(os.environ)):
    """os.environ, with the project's reads recorded (and unset ones without a default marked)."""

    def __getitem__(self, key):
        if isinstance(key, str):
            value = _read(key, UNSET, "os.environ")
            if value is not None:
                return value
        return super().__getitem__(key)

    def get(self, key, default=None):
        if isinstance(key, str):
            value = _read(key, UNSET if default is None else default, "os.environ", optional=default is None)
            if value is not None:
                return value
        return super().get(key, default)

    def __contains__(self, key):
        ours = isinstance(key, str) and key not in REAL and not key.startswith(REAL_PREFIXES)
        if ours and _project_frame() is not None:
            return True  # `if "X" in os.environ: os.environ["X"]`: both answered by devkit
        try:
            return self.encodekey(key) in self._data  # not through __getitem__: not a read
        except TypeError:
            return False


def _empty(cast):
    """What a cast makes of nothing (Csv gives [], int 0): a variable with no value, no default."""
    for value in ("", "0"):
        try:
            return cast(value)
        except Exception:
            continue
    return None


def _trace_decouple():
    try:
        import decouple
    except ImportError:
        return
    original = decouple.Config.get

    def get(self, option, default=decouple.undefined, cast=decouple.undefined):
        if _project_frame() is None or option in REAL or option.startswith(REAL_PREFIXES):
            return original(self, option, default, cast)
        has_default = not isinstance(default, decouple.Undefined)
        data = getattr(self.repository, "data", None)
        in_file = data.get(option) if isinstance(data, dict) else None
        plain = isinstance(cast, decouple.Undefined) or cast is str
        value = _real(option)
        value = value if value is not None else in_file
        if option not in reads:
            reads[option] = {"default": has_default, "set": value is not None, "via": "decouple", "where": ""}
            frame = _project_frame()
            if frame is not None:
                reads[option]["where"] = "%s:%d" % (
                    os.path.relpath(frame.f_code.co_filename, ROOT),
                    frame.f_lineno,
                )
            if not plain:
                reads[option]["cast"] = getattr(cast, "__name__", type(cast).__name__)
        if value is None and has_default:
            value = default
        if value is None and not MARK:
            return original(self, option, default, cast)  # raises as the project would see it
        if value is None:
            if not plain:  # a bool, int, Csv ... with nothing to cast: what the cast makes of nothing
                return False if cast is bool else _empty(cast)
            value = given.get(option) or _marker(option)
        given.setdefault(option, value)
        if plain:
            return value
        try:
            return self._cast_boolean(value) if cast is bool else cast(value)
        except (ValueError, TypeError):
            return False if cast is bool else _empty(cast)

    decouple.Config.get = get
    init = decouple.RepositoryEnv.__init__

    def traced_init(self, source, *args, **kwargs):
        env_files.append(os.path.realpath(os.path.join(os.getcwd(), str(source))))
        return init(self, source, *args, **kwargs)

    decouple.RepositoryEnv.__init__ = traced_init


def _trace_environ():
    """django-environ reads os.environ (traced already); a value it cannot cast (a marker given to
    an int) comes back as what the cast makes of nothing."""
    try:
        import environ
    except ImportError:
        return
    original = environ.Env.get_value

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        if default is not environ.Env.NOTSET and _real(var) is None and _project_frame() is not None:
            _read(var, default, "django-environ")  # recorded with its default, which applies
            quiet[0] += 1
        else:
            quiet[0] += 0
        try:
            return original(self, var, cast=cast, default=default, parse_default=parse_default)
        except (ValueError, TypeError):
            return _empty(cast) if isinstance(cast, type) else None
        finally:
            quiet[0] = 0

    environ.Env.get_value = get_value
    function = getattr(environ.Env.__dict__.get("read_env"), "__func__", None)
    if function is None:
        return

    def read_env(cls, env_file=None, *args, **kwargs):
        if env_file is not None:
            env_files.append(os.path.realpath(str(env_file)))
        return function(cls, env_file, *args, **kwargs)

    environ.Env.read_env = classmethod(read_env)


def _trace_dotenv():
    try:
        import dotenv.main
    except ImportError:
        return
    original = dotenv.main.load_dotenv

    def load_dotenv(dotenv_path=None, *args, **kwargs):
        path = dotenv_path or dotenv.main.find_dotenv(usecwd=True) or os.path.join(os.getcwd(), ".env")
        env_files.append(os.path.realpath(str(path)))
        return original(dotenv_path, *args, **kwargs)

    dotenv.main.load_dotenv = load_dotenv
    if getattr(sys.modules.get("dotenv"), "load_dotenv", None) is original:
        sys.modules["dotenv"].load_dotenv = load_dotenv


_open = builtins.open


def _called_by_project():
    """The code asking is the project's own, directly (a library walking up folders is not)."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename == HERE:
        frame = frame.f_back
    if frame is None:
        return False
    real = os.path.realpath(frame.f_code.co_filename)
    return real.startswith(ROOT + os.sep) and "/site-packages/" not in real


def _note_env_file(file, direct=False):
    """An env file the project's code opens (also through decouple or dotenv) or itself looks for
    (`direct`: os.path.exists(BASE_DIR / ".env") before loading it)."""
    if isinstance(file, (str, os.PathLike)):
        name = os.path.basename(str(file))
        if not (name.startswith(".env") or name.endswith(".env")):
            return
        if _called_by_project() if direct else _project_frame() is not None:
            env_files.append(os.path.realpath(os.path.join(os.getcwd(), str(file))))


def traced_open(file, *args, **kwargs):
    _note_env_file(file)
    return _open(file, *args, **kwargs)


def _trace_path_open():
    """Path(".env").read_text() opens through Path.open (io.open, not builtins.open)."""
    import pathlib

    original = pathlib.Path.open

    def traced_path_open(self, *args, **kwargs):
        _note_env_file(self)
        return original(self, *args, **kwargs)

    pathlib.Path.open = traced_path_open


def _trace_lookups():
    """`os.path.exists(BASE_DIR / ".env")` before loading it: the file the project looks for first."""
    import pathlib

    for owner, name in (
        (os.path, "exists"),
        (os.path, "isfile"),
        (pathlib.Path, "exists"),
        (pathlib.Path, "is_file"),
    ):
        original = getattr(owner, name)

        def looked(*args, _original=original, **kwargs):
            if args:
                _note_env_file(args[0], direct=True)
            return _original(*args, **kwargs)

        setattr(owner, name, looked)


def _url_parts(value):
    from urllib.parse import unquote, urlsplit

    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return {}
    found = {
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "host": parts.hostname or "",
        "port": str(port or ""),
        "name": unquote(parts.path.lstrip("/")),
    }
    return {k: v for k, v in found.items() if v}


def _sources(text):
    """[(variable, part)] whose given value is this field's value (part: of a URL, or None)."""
    exact = [(name, None) for name, value in given.items() if str(value) == text]
    in_urls = [
        (name, part)
        for name, value in given.items()
        if "://" in str(value)
        for part, piece in _url_parts(str(value)).items()
        if piece == text
    ]
    return exact + in_urls


def _databases(settings):
    """{alias: {field: {"vars": [[name, part], ...]} or {"literal": value}}}."""
    out = {}
    for alias, db in (getattr(settings, "DATABASES", {}) or {}).items():
        fields = {}
        for field in ("NAME", "USER", "PASSWORD", "HOST", "PORT"):
            value = db.get(field)
            text = "" if value is None else str(value)
            found = _sources(text) if text else []
            if found:
                fields[field] = {"vars": found}
            else:
                fields[field] = {"literal": "(set)" if field == "PASSWORD" and text else text}
        fields["ENGINE"] = {"literal": str(db.get("ENGINE", ""))}
        out[alias] = fields
    return out


def _logging_files(settings):
    found = []
    for handler in ((getattr(settings, "LOGGING", None) or {}).get("handlers") or {}).values():
        filename = handler.get("filename") if isinstance(handler, dict) else None
        if isinstance(filename, (str, os.PathLike)):
            found.append(os.path.realpath(os.path.join(os.getcwd(), str(filename))))
    return found


def _failure(exc):
    """The exception and the project's file:line it came from (the innermost project frame)."""
    import traceback

    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if os.path.realpath(f.filename).startswith(ROOT)
    ]
    where = "%s:%d" % (os.path.relpath(frames[-1].filename, ROOT), frames[-1].lineno) if frames else ""
    return {"type": type(exc).__name__, "message": str(exc)[:500], "where": where}


def _load_urls(settings, result):
    """The apps and the URLconfs, still traced: variables read there (at the system checks of every
    command) count too. A failure here is recorded, not the settings' failure."""
    import importlib

    import django

    try:
        django.setup()
        for name in ("ROOT_URLCONF", "PUBLIC_SCHEMA_URLCONF"):
            module = getattr(settings, name, None)
            if isinstance(module, str):
                importlib.import_module(module)
    except BaseException as exc:
        result["setup_error"] = _failure(exc)


def main():
    os.environ.__class__ = TracingEnviron
    _trace_decouple()
    _trace_environ()
    _trace_dotenv()
    _trace_lookups()
    _trace_path_open()
    builtins.open = traced_open
    result = {"ok": False, "error": None, "settings_module": None}
    import django.core.management

    def settings_only(argv=None):  # manage.py's execute_from_command_line: load the settings only
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - imports the settings module
        module = sys.modules.get(getattr(settings, "SETTINGS_MODULE", "") or "")
        result.update(
            databases=_databases(settings),
            logging_files=_logging_files(settings),
            settings_module=getattr(settings, "SETTINGS_MODULE", None),
            settings_file=getattr(module, "__file__", None),
            ok=True,
        )
        _load_urls(settings, result)
        raise SystemExit(0)

    django.core.management.execute_from_command_line = settings_only
    sys.argv = [MANAGE, "check"]
    sys.path.insert(0, os.path.dirname(MANAGE))
    try:
        runpy.run_path(MANAGE, run_name="__main__")
    except SystemExit:
        pass
    except BaseException as exc:  # the settings failed even so: what and where
        result["error"] = _failure(exc)
        import traceback

        traceback.print_exception(exc)  # the log keeps it whole (devkit classifies the cause from it)
    builtins.open = _open
    result["reads"] = reads
    result["env_files"] = list(dict.fromkeys(env_files))
    with _open(OUT, "w") as handle:
        json.dump(result, handle, indent=2, sort_keys=True, default=str)


main()
