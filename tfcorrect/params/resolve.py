"""Resolving a table: the core's components, those its values select, one frozen dataclass of them.

:func:`resolve_table` merges a table's ``COMMON`` rows, the rows of one category and ``--set``
overrides, then walks the components: the catalogue's core first, then every component a
selected one's values select (``MODEL`` a method, a method its networks, ``G_OUTPUT`` a head, ...).
The result is an instance of a frozen dataclass whose fields are the options of exactly the
selected components, so a run's ``params.csv`` lists those and no others.
"""

import dataclasses
import difflib
import functools

from tfcorrect.errors import TableError
from tfcorrect.params.options import format_value, parse_value
from tfcorrect.params.tables import COMMON, Row, parse_sets, read_table


@dataclasses.dataclass(frozen=True, eq=False)
class Catalogue:
    """Every component a table may use, handed down by the code above this package.

    Attributes:
        core: components every table selects, in order (the run itself, the data pipeline, ...).
        components: every component there is; an option of one that a table does not select is
            named with its owner instead of being called unknown.
        selects: ``values -> [Component]``: what the core's values select (the method of
            ``MODEL``, the data kind of ``DATASET``, ...).
        choices: ``{PARAM_NAME: mapping}``: the allowed values of options whose implementations
            live above this package (``MODEL``: the methods), handed down.
        facts: ``{name: params -> value}``: read-only attributes of every resolved parameters that
            follow from the options but are not options themselves (``in_channels``).
        checks: ``(params, sources) -> None`` run last, across components.
    """

    core: tuple
    components: tuple
    selects: object = lambda values: ()
    choices: dict = dataclasses.field(default_factory=dict)
    facts: dict = dataclasses.field(default_factory=dict)
    checks: tuple = ()

    def owners(self):
        """``{PARAM_NAME: Component}`` of every option of every component.

        Raises:
            ValueError: two components declare the same option (a programming error).
        """
        owners = {}
        for component in self.components:
            for name in component.fields:
                if name in owners and owners[name] is not component:
                    raise ValueError(f"{name} is declared by both {owners[name].title} and {component.title}")
                owners[name] = component
        return owners

    def renamed(self):
        """Former ``PARAM_NAME`` -> today's, over every component."""
        return {old: new for component in self.components for old, new in component.renamed.items()}


class ParamsBase:
    """Base of every resolved parameters class: attribute access names what is missing."""

    components = ()

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        owners = ", ".join(component.title for component in self.components)
        raise AttributeError(f"{name.upper()} is not an option of this run (its components: {owners})")

    def rows(self):
        """``[(PARAM_NAME, value, description)]`` of every option, in component order."""
        return [(field.name.upper(), getattr(self, field.name), field.metadata["description"])
                for field in dataclasses.fields(self)]


@functools.lru_cache(maxsize=None)
def params_class(components, facts=()):
    """The frozen dataclass of these components' options (one class per selection, so equal runs compare equal).

    Args:
        components: a tuple of components, in the order their options are listed.
        facts: ``((name, params -> value), ...)``, read-only properties of the class.
    """
    fields = [(field.name, field.type, dataclasses.field(default=field.default, metadata=field.metadata))
              for component in components for field in dataclasses.fields(component.options)]
    namespace = {name: property(function) for name, function in facts}
    namespace["components"] = components
    return dataclasses.make_dataclass("Params", fields, bases=(ParamsBase,), frozen=True, namespace=namespace)


def chosen_rows(path, category=None, sets=(), *, rows=None):
    """``{PARAM_NAME: Row}`` in force: the table's ``COMMON`` rows, then ``category``'s, then ``sets``.

    ``rows``: the table's rows when already read (else they are read from ``path``).
    """
    rows = read_table(path) if rows is None else rows
    for row in rows:
        _check_row(row)
    categories = {row.category for row in rows}
    if category is not None and category not in categories:
        raise TableError(f"{path}: category '{category}' is not in the table "
                         f"(it has: {', '.join(sorted(categories)) or 'no rows'})")
    chosen = {}
    for wanted in (COMMON, category):
        seen = {}
        for row in rows:
            if row.use_yn == "Y" and row.category == wanted:
                if row.name in seen:
                    raise TableError(f"{row.where}: {row.name} is already set for {wanted} at {seen[row.name]}")
                seen[row.name] = row.where
                chosen[row.name] = row
    for row in parse_sets(sets):
        chosen[row.name] = row
    return chosen


def _check_row(row):
    if row.use_yn not in ("Y", "N"):
        raise TableError(f"{row.where}: USE_YN must be Y or N, not '{row.use_yn}'")
    if row.use_yn == "Y" and not row.category:
        raise TableError(f"{row.where}: CATEGORY is empty (use COMMON or a segment name)")


def resolve_table(path, catalogue, category=None, sets=(), *, strict=True):
    """Resolve a table against ``catalogue``: ``COMMON``, then ``category``, then ``sets``.

    A row setting an option of a component this resolution does not select is left out when
    another category of the same table selects that component (a table holding the arms of a
    comparison, e.g. a ``PIX2PIX`` category beside ``MODEL=dense_unet`` rows); otherwise it is an
    error naming the component that owns it.

    Args:
        strict: ``False`` skips every row of an unselected component (a run folder's ``params.csv``
            from before options were split by component lists every option there was).

    Returns:
        A ``(params, sources)`` pair; ``sources`` maps each PARAM_NAME to where its value came
        from (``file:line``, ``--set ...``, ``default`` or ``derived``).
    """
    rows = read_table(path)
    chosen = chosen_rows(path, category, sets, rows=rows)
    elsewhere = _selected_elsewhere(path, rows, category, catalogue) if strict else ()
    return resolve_rows(chosen, catalogue, strict=strict, elsewhere=elsewhere)


def _selected_elsewhere(path, rows, category, catalogue):
    """The components the table's other arms select: ``COMMON`` alone and each other category."""
    others = [None, *sorted({row.category for row in rows if row.use_yn == "Y"} - {COMMON})]
    found = []
    for other in others:
        if other == category:
            continue
        try:
            found.extend(_select(_renamed(chosen_rows(path, other, rows=rows), catalogue), catalogue)[0])
        except TableError:
            continue  # that arm's own mistakes are reported when it is resolved
    return tuple(found)


def _renamed(chosen, catalogue):
    renamed = catalogue.renamed()
    return {renamed.get(name, name): row for name, row in chosen.items()}


def resolve_rows(chosen, catalogue, *, strict=True, elsewhere=()):
    """Resolve ``{PARAM_NAME: Row}`` against ``catalogue`` (see :func:`resolve_table`).

    ``elsewhere``: components other categories of the table select; rows of theirs are left out.
    """
    owners = catalogue.owners()
    chosen = _renamed(chosen, catalogue)
    for name, row in chosen.items():
        if name not in owners:
            close = difflib.get_close_matches(name.upper(), owners, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise TableError(f"{row.where}: unknown parameter '{name}'{hint}")
    selected, values, sources = _select(chosen, catalogue)
    names = {name for component in selected for name in component.fields}
    for name, row in chosen.items():
        if name not in names and strict and not any(owners[name] is component for component in elsewhere):
            raise TableError(f"{row.where}: {name} is an option of {owners[name].title}, which this table does not "
                             f"select")
    _derive(selected, values, sources)
    params = params_class(tuple(selected), tuple(catalogue.facts.items()))(**values)
    for check in [check for component in selected for check in component.checks] + list(catalogue.checks):
        check(params, sources)
    return params, sources


def _select(chosen, catalogue):
    """The selected components in order, with their options' values and where each came from."""
    selected, values, sources = [], {}, {}
    queue = list(catalogue.core)
    core_done = len(queue)
    while queue:
        component = queue.pop(0)
        core_done -= 1
        if any(component is seen for seen in selected):
            continue
        selected.append(component)
        for name, field in component.fields.items():
            if name in chosen:
                row = chosen[name]
                values[field.name] = parse_value(field, row.value, row.where, catalogue.choices)
                sources[name] = row.where
            else:
                values[field.name], sources[name] = field.default, "default"
        queue.extend(component.selects(values))
        if core_done == 0:
            queue.extend(catalogue.selects(values))
    return selected, values, sources


def _derive(selected, values, sources):
    """Fill derived options (still ``None``), component by component, in the order selected."""
    for component in selected:
        if component.derive is not None:
            component.derive(values)
    for name in sources:
        if sources[name] == "default" and values[name.lower()] is not None and \
                _declared_default(selected, name) is None:
            sources[name] = "derived"


def _declared_default(selected, name):
    for component in selected:
        if name in component.fields:
            return component.fields[name].default
    return None


def resolved_rows(params):
    """The resolved parameters as ``COMMON`` rows, in component order, for a run folder's ``params.csv``."""
    return [Row(COMMON, name, format_value(value), "Y", description) for name, value, description in params.rows()]
