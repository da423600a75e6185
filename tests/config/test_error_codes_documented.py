"""Every error code the API can answer is listed in docs/errors.md, and nothing else is.

The codes are read from the source with `ast`, without importing the apps, so the test
does not care which file of a package raises what: it scans whole directories.

What counts as a code the API answers (see config/errors.py, `api_exception_handler`):
- a `KitError` subclass's class attribute `code = "..."`, and a `code="..."` passed when
  one of those classes is raised (also through a small helper that passes its own `code`
  parameter on);
- a `code` given to DRF's `AuthenticationFailed` (or a subclass's `default_code`): the
  handler answers it as is (`token_expired`, `token_invalid`, ...);
- the fixed codes of the handler itself: its table of DRF exceptions, its fallback, and
  the plain Django 400/404/500 views it builds;
- `code=exc.code` of a platform error caught by the view and answered as a `KitError`
  (the WeChat push endpoint): the literal codes that error is raised with in the module
  the view called.

Platform adapters raise `PlatformError(code=...)` with the platforms' own codes; those stay
inside the kit (the handler answers `platform_error` / `platform_unavailable`), so they are
not collected. Neither are DRF `ValidationError` codes: the handler answers `invalid_input`.

Names are resolved through each module's imports (not by bare name), so the adapters'
`platforms.base.PlatformUnavailable(code="timeout")` is not mistaken for a `KitError`: the
handler answers every PlatformUnavailable as `platform_unavailable`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ERRORS_DOC = ROOT / "docs" / "errors.md"
SCANNED_DIRS = ("config", "storefront", "logistics", "loyalty", "offers", "flashsales", "campaigns", "platforms")
SKIPPED_DIRS = {"migrations", "__pycache__"}
SKIPPED_PACKAGES = {("platforms", "sandbox")}  # emulates the platforms; never answers the kit's API

KIT_ERROR = "config.errors.KitError"
ERRORS_MODULE = "config.errors"
ERROR_BODY = "config.errors.error_body"
HANDLER = "api_exception_handler"
DRF_EXCEPTIONS = "rest_framework.exceptions"
DRF_ALIASES = {"rest_framework.serializers.ValidationError": "rest_framework.exceptions.ValidationError"}
AUTHENTICATION_FAILED = "rest_framework.exceptions.AuthenticationFailed"

CODE = re.compile(r"^[a-z][a-z0-9_]*$")
DOC_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|")
RESERVED_KEYS = {"code", "message", "fields"}  # the body's own keys: `extra` must not use them


# --- reading the source ------------------------------------------------------------------------
@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    names: dict = field(default_factory=dict)  # module-level name -> qualified name
    function_names: dict = field(default_factory=dict)  # id(def node) -> {local import name: qualified}
    parents: dict = field(default_factory=dict)  # id(node) -> parent node


def _python_files():
    for top in SCANNED_DIRS:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if SKIPPED_DIRS & set(parts) or any(parts[: len(p)] == p for p in SKIPPED_PACKAGES):
                continue
            yield path


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(node, module: Module) -> dict:
    """The names an import statement binds, as qualified names."""
    bound = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                bound[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                bound[top] = top
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            package = module.name.split(".")
            if module.path.name != "__init__.py":
                package = package[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, base] if base else package)
        for alias in node.names:
            bound[alias.asname or alias.name] = f"{base}.{alias.name}"
    return bound


def _enclosing_function(module: Module, node):
    parent = module.parents.get(id(node))
    while parent is not None and not isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
        parent = module.parents.get(id(parent))
    return parent


@cache
def modules() -> dict[str, Module]:
    found = {}
    for path in _python_files():
        name = _module_name(path)
        module = Module(name=name, path=path, tree=ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for parent in ast.walk(module.tree):
            for child in ast.iter_child_nodes(parent):
                module.parents[id(child)] = parent
        for node in module.tree.body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                module.names[node.name] = f"{name}.{node.name}"
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                function = _enclosing_function(module, node)
                if function is None:
                    module.names.update(_imports(node, module))
                else:
                    module.function_names.setdefault(id(function), {}).update(_imports(node, module))
        found[name] = module
    return found


def canonical(qualified: str | None) -> str | None:
    """Follows re-exports (`from platforms.base import X` in another module) to the definition."""
    seen = set()
    while qualified and qualified not in seen:
        seen.add(qualified)
        qualified = DRF_ALIASES.get(qualified, qualified)
        owner, _, name = qualified.rpartition(".")
        module = modules().get(owner)
        if module is None or name not in module.names or module.names[name] == qualified:
            return qualified
        qualified = module.names[name]
    return qualified


def resolve(module: Module, expr, at) -> str | None:
    """The qualified name an expression (a Name or a dotted Attribute) refers to, at node `at`."""
    if isinstance(expr, ast.Name):
        function = _enclosing_function(module, at)
        while function is not None:
            local = module.function_names.get(id(function), {})
            if expr.id in local:
                return canonical(local[expr.id])
            function = _enclosing_function(module, function)
        return canonical(module.names.get(expr.id))
    if isinstance(expr, ast.Attribute):
        base = resolve(module, expr.value, at)
        return canonical(f"{base}.{expr.attr}") if base else None
    return None


@cache
def classes() -> dict[str, tuple[Module, ast.ClassDef]]:
    """Every class by qualified name (a class nested in a function or class gets a private key)."""
    found = {}
    for module in modules().values():
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ClassDef):
                top_level = module.parents.get(id(node)) is module.tree
                found[f"{module.name}.{node.name}" if top_level else f"{module.name}.<nested>.{node.lineno}"] = (
                    module,
                    node,
                )
    return found


def derives_from(qualified: str | None, root: str, _seen=frozenset()) -> bool:
    if qualified is None or qualified in _seen:
        return False
    if qualified == root:
        return True
    if qualified not in classes():
        return False
    module, node = classes()[qualified]
    return any(derives_from(resolve(module, base, node), root, _seen | {qualified}) for base in node.bases)


def family(root: str) -> set[str]:
    members = {name for name in classes() if derives_from(name, root)}
    return members | ({root} if root in classes() or root.startswith(DRF_EXCEPTIONS + ".") else set())


# --- where codes are given ------------------------------------------------------------------------
@dataclass(frozen=True)
class Site:
    code: str | None  # None: not a literal
    where: str
    expr: ast.AST | None = None
    module: str = ""


def _where(module: Module, node) -> str:
    return f"{module.path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"


def _code_argument(call: ast.Call, param: str, position: int | None):
    for keyword in call.keywords:
        if keyword.arg == param:
            return keyword.value
    if (
        position is not None
        and len(call.args) > position
        and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1])
    ):
        return call.args[position]
    return None


def _calls(module: Module):
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Call):
            yield node, resolve(module, node.func, node)


def code_sites(sinks: dict[str, tuple[str, int | None]], *, only_modules=None) -> list[Site]:
    """Every call that passes a code to a sink: `sinks` maps a callable's qualified name to
    (parameter name, position or None for keyword-only). A function that passes one of its
    own parameters on as the code becomes a sink itself (`_invalid(message, code)`)."""
    sinks = dict(sinks)
    changed = True
    while changed:
        changed = False
        for module in modules().values():
            for call, callee in _calls(module):
                if callee not in sinks:
                    continue
                argument = _code_argument(call, *sinks[callee])
                function = _function_with_parameter(module, call, argument)
                if function is None:
                    continue
                params = [a.arg for a in function.args.posonlyargs + function.args.args]
                qualified = _function_qualname(module, function)
                if qualified and qualified not in sinks:
                    position = params.index(argument.id) if argument.id in params else None
                    sinks[qualified] = (argument.id, position)
                    changed = True
    sites = []
    for module in modules().values():
        if only_modules is not None and module.name not in only_modules:
            continue
        for call, callee in _calls(module):
            if callee not in sinks:
                continue
            argument = _code_argument(call, *sinks[callee])
            if argument is None:
                continue  # the class's own code
            function = _function_with_parameter(module, call, argument)
            helper = _function_qualname(module, function) if function is not None else None
            if helper in sinks and sinks[helper][0] == argument.id:
                continue  # a helper passing its parameter on: its callers are the sites
            literal = argument.value if isinstance(argument, ast.Constant) and isinstance(argument.value, str) else None
            sites.append(Site(literal, _where(module, call), None if literal else argument, module.name))
    return sites


def _function_with_parameter(module: Module, call, argument):
    """The function (the call's own, or one it is nested in) whose parameter `argument` is."""
    if not isinstance(argument, ast.Name):
        return None
    function = _enclosing_function(module, call)
    while function is not None:
        arguments = function.args
        if argument.id in [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]:
            return function
        function = _enclosing_function(module, function)
    return None


def _function_qualname(module: Module, function) -> str | None:
    if module.parents.get(id(function)) is module.tree:
        return f"{module.name}.{function.name}"
    return f"{module.name}.<local>.{function.name}.{function.lineno}"


def class_codes(classes_: set[str], attribute: str) -> list[Site]:
    sites = []
    for qualified in sorted(classes_ & set(classes())):
        module, node = classes()[qualified]
        for statement in node.body:
            targets = (
                statement.targets
                if isinstance(statement, ast.Assign)
                else [statement.target]
                if isinstance(statement, ast.AnnAssign) and statement.value
                else []
            )
            if any(isinstance(t, ast.Name) and t.id == attribute for t in targets):
                value = statement.value
                literal = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
                sites.append(Site(literal, _where(module, statement), None if literal else value, module.name))
    return sites


def handler_codes() -> list[Site]:
    """The codes config/errors.py answers by itself."""
    module = modules()[ERRORS_MODULE]
    sites = []
    for node in ast.walk(module.tree):
        # The table of DRF exception classes -> code.
        if (
            isinstance(node, ast.Dict)
            and node.keys
            and all((resolve(module, key, node) or "").startswith(DRF_EXCEPTIONS + ".") for key in node.keys)
        ):
            sites += [
                Site(
                    value.value if isinstance(value, ast.Constant) else None, _where(module, value), value, module.name
                )
                for value in node.values
            ]
        # Its fallback: next((code for cls, code in table if ...), "error").
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "next"
            and len(node.args) == 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and getattr(_enclosing_function(module, node), "name", "") == HANDLER
        ):
            sites.append(Site(node.args[1].value, _where(module, node)))
    # The plain Django error views: json_error_view(400, "bad_request", ...) -> error_body(code, ...).
    sites += [site for site in code_sites({ERROR_BODY: ("code", 0)}, only_modules={ERRORS_MODULE}) if site.code]
    return sites


def passed_through_codes(kit_errors: set[str]) -> tuple[list[Site], set[str]]:
    """`raise KitErrorSubclass(..., code=exc.code)` inside `except SomePlatformError as exc`:
    the codes are those SomePlatformError (or a subclass) is raised with in the modules the
    `try` body called. Returns (the codes found, where the traced raises are)."""
    found, traced = [], set()
    for site in code_sites({name: ("code", None) for name in kit_errors}):
        if site.code is not None:
            continue
        module = modules()[site.module]
        handler = _except_handler_binding(module, site)
        if handler is None:
            continue
        caught = {resolve(module, t, handler) for t in _handler_types(handler)} - {None}
        try_node = module.parents[id(handler)]
        called = {
            _module_of(resolve(module, call.func, call))
            for statement in try_node.body
            for call in ast.walk(statement)
            if isinstance(call, ast.Call)
        } - {None}
        raised = set().union(*(family(name) for name in caught))
        codes = [s for s in code_sites({n: ("code", None) for n in raised}, only_modules=called) if s.code]
        if codes:
            traced.add(site.where)
            found += [Site(s.code, f"{s.where} (answered by {site.where})") for s in codes]
    return found, traced


def _except_handler_binding(module: Module, site: Site):
    """The `except E as exc` handler when the code is `exc.code`, else None."""
    expr = site.expr
    if not (isinstance(expr, ast.Attribute) and expr.attr == "code" and isinstance(expr.value, ast.Name)):
        return None
    node = expr
    while node is not None:
        node = module.parents.get(id(node))
        if isinstance(node, ast.ExceptHandler) and node.name == expr.value.id:
            return node
    return None


def _handler_types(handler: ast.ExceptHandler):
    if isinstance(handler.type, ast.Tuple):
        return handler.type.elts
    return [handler.type] if handler.type is not None else []


def _module_of(qualified: str | None) -> str | None:
    while qualified:
        if qualified in modules():
            return qualified
        qualified = qualified.rpartition(".")[0]
    return None


@cache
def raised_codes() -> tuple[dict[str, list[str]], tuple[Site, ...]]:
    """{code: [where it is given]} of every code the API can answer, and the sites whose code
    cannot be read from the source."""
    kit_errors = family(KIT_ERROR)
    authentication = family(AUTHENTICATION_FAILED)
    sites = class_codes(kit_errors, "code")
    sites += class_codes(authentication, "default_code")
    sites += code_sites({name: ("code", None) for name in kit_errors})
    sites += code_sites({name: ("code", 1) for name in authentication})
    sites += handler_codes()
    through, traced = passed_through_codes(kit_errors)
    sites += through
    codes: dict[str, list[str]] = {}
    for site in sites:
        if site.code is not None:
            codes.setdefault(site.code, []).append(site.where)
    untraced = tuple(site for site in sites if site.code is None and site.where not in traced)
    return codes, untraced


# --- reading the document --------------------------------------------------------------------------
def documented_codes() -> dict[str, list[int]]:
    """{code: [line numbers]} of the table rows of docs/errors.md whose first cell is a code."""
    rows: dict[str, list[int]] = {}
    for number, line in enumerate(ERRORS_DOC.read_text(encoding="utf-8").splitlines(), start=1):
        match = DOC_ROW.match(line.strip())
        if match and match.group(1) != "code":
            rows.setdefault(match.group(1), []).append(number)
    return rows


# --- the tests ------------------------------------------------------------------------------------
def test_the_scan_finds_the_kits_errors():
    """Guards the scan itself: if config/errors.py is reshaped, fail here, not by finding nothing."""
    codes, _ = raised_codes()
    assert KIT_ERROR in classes(), "config.errors.KitError not found: the scan needs updating"
    for expected in (
        "invalid_input",
        "not_found",
        "rate_limited",
        "not_authenticated",
        "error",
        "server_error",
        "platform_error",
        "platform_unavailable",
    ):
        assert expected in codes, f"the scan no longer finds the handler's code {expected!r}"
    assert len(codes) > 40, f"only {len(codes)} codes found: the scan has probably lost a package"


def test_every_error_code_is_read_from_a_literal():
    """A code the scan cannot read (a variable, an f-string) cannot be checked against the
    document: give it as a string literal, or a helper that passes a literal on."""
    _, untraced = raised_codes()
    lines = [f"  {site.where}: code={ast.unparse(site.expr) if site.expr else '?'}" for site in untraced]
    assert not lines, "error codes that are not string literals:\n" + "\n".join(lines)


def test_every_error_code_the_api_answers_is_in_docs_errors_md():
    codes, _ = raised_codes()
    documented = documented_codes()
    missing = sorted(set(codes) - set(documented))
    lines = [f"  `{code}`  (given at {', '.join(codes[code][:3])})" for code in missing]
    assert not missing, (
        f"{len(missing)} error code(s) the API can answer are not in docs/errors.md; add a row "
        "`| `code` | HTTP status | when | what the client should do |` to the table of its domain:\n" + "\n".join(lines)
    )


def test_docs_errors_md_lists_no_code_the_api_no_longer_answers():
    codes, _ = raised_codes()
    documented = documented_codes()
    stale = sorted(set(documented) - set(codes))
    lines = [f"  `{code}`  (docs/errors.md line {documented[code][0]})" for code in stale]
    assert not stale, (
        "docs/errors.md lists codes that nothing raises any more; remove them (or raise them):\n" + "\n".join(lines)
    )


def test_docs_errors_md_lists_each_code_once_in_the_code_shape():
    documented = documented_codes()
    twice = {code: rows for code, rows in documented.items() if len(rows) > 1}
    bad = [code for code in documented if not CODE.match(code)]
    assert not twice, f"codes listed more than once in docs/errors.md (lines): {twice}"
    assert not bad, f"codes in docs/errors.md that are not lower_snake_case: {bad}"


@pytest.mark.xfail(
    strict=True,
    reason="checkout's voucher_expired / voucher_used pass extra={'code': voucher.code}, which replaces "
    "error.code in the body (storefront checkout _check_vouchers); remove this mark once fixed",
)
def test_no_error_replaces_its_code_through_extra_keys():
    """`extra` keys sit next to `code` in the body (`error_body(code, ..., **extra)`), so an
    extra key named `code`, `message` or `fields` silently replaces the documented one."""
    kit_errors = family(KIT_ERROR)
    clashes = []
    for module in modules().values():
        for call, callee in _calls(module):
            if callee not in kit_errors:
                continue
            extra = next((k.value for k in call.keywords if k.arg == "extra"), None)
            if isinstance(extra, ast.Dict):
                keys = {k.value for k in extra.keys if isinstance(k, ast.Constant)}
                clashes += [f"  {_where(module, call)}: extra key {key!r}" for key in sorted(keys & RESERVED_KEYS)]
    assert not clashes, "errors whose extra keys replace the error's own:\n" + "\n".join(clashes)
