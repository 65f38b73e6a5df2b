"""English and Spanish for the pages: every fixed string, vocabulary names, numbers and times.

Names entered by people (crossings, ports, scenarios) are shown as entered. Numbers use
a point for decimals and a comma for thousands in both languages (as in Mexico and the
US). The language comes from the ``borderflow_lang`` cookie (set by ``/lang/{code}``),
else the browser's ``Accept-Language``, else English. Messages that come from the services
(errors, a forecast's reason, a plan's issues) are said with :meth:`Translator.message`
from their own catalog, :data:`borderflow.message_texts.TEXTS`.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from borderflow.messages import say

LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"
COOKIE = "borderflow_lang"
#: How long the language chosen (with the switch, or by a link's ?lang=) is remembered.
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600

#: key -> (English, Spanish). Placeholders are ``str.format`` fields.
STRINGS: dict[str, tuple[str, str]] = {
    # layout
    "skip": ("Skip to content", "Saltar al contenido"),
    "nav.label": ("Main", "Principal"),
    "nav.overview": ("Overview", "Resumen"),
    "nav.simulator": ("Simulator", "Simulador"),
    "nav.plans": ("Action plans", "Planes de acción"),
    "lang.switch": ("Leer en español", "Read in English"),
    "footer.data": (("Wait times: U.S. Customs and Border Protection. Volumes: U.S. Bureau of Transportation "
                    "Statistics. Map outline: Natural Earth (public domain)."),
                    ("Tiempos de espera: Oficina de Aduanas y Protección Fronteriza de EE. UU. (CBP). Volúmenes: "
                    "Oficina de Estadísticas de Transporte de EE. UU. (BTS). Contorno del mapa: Natural Earth "
                    "(dominio público).")),
    "footer.data_volumes": (("Wait times: U.S. Customs and Border Protection. Volumes: {volumes}. Map outline: "
                             "Natural Earth (public domain)."),
                            ("Tiempos de espera: Oficina de Aduanas y Protección Fronteriza de EE. UU. (CBP). "
                             "Volúmenes: {volumes}. Contorno del mapa: Natural Earth (dominio público).")),
    "footer.api": ("API documentation", "Documentación de la API"),
    # overview
    "overview.title": ("Border wait times", "Tiempos de espera en la frontera"),
    "overview.intro": (("The latest reading of every lane at every crossing, with its age. Colour and number "
                       "both give the wait."),
                       ("La lectura más reciente de cada carril en cada cruce, con su antigüedad. El color y el "
                       "número indican la espera.")),
    "overview.map_mexico": ("US–Mexico border", "Frontera México–Estados Unidos"),
    "overview.map_canada": ("US–Canada border", "Frontera Canadá–Estados Unidos"),
    "overview.map_desc": (("Map of {count} crossings; each circle is coloured by the longest current wait of "
                          "any lane and links to the crossing's page. Circles of crossings close together are "
                          "set apart, with a line to the true place. The table below lists the same crossings."),
                          ("Mapa de {count} cruces; cada círculo tiene el color de la espera actual más larga "
                          "de cualquier carril y lleva a la página del cruce. Los círculos de cruces cercanos "
                          "se separan, con una línea a su lugar real. La tabla de abajo lista los mismos cruces.")),
    "overview.map_point": ("{name}: longest current wait {wait}", "{name}: espera actual más larga {wait}"),
    "overview.search": ("Search crossings", "Buscar cruces"),
    "overview.search_hint": ("Name, state or crossing number", "Nombre, estado o número de cruce"),
    "overview.border": ("Border", "Frontera"),
    "overview.border_all": ("Both borders", "Ambas fronteras"),
    "overview.apply": ("Search", "Buscar"),
    "overview.table": ("Current waits by lane (minutes) and age of each reading",
                       "Esperas actuales por carril (minutos) y antigüedad de cada lectura"),
    "overview.crossing": ("Crossing", "Cruce"),
    "overview.shown": ("{shown} of {total} crossings shown.", "Se muestran {shown} de {total} cruces."),
    "overview.none": ("No crossing matches this search.", "Ningún cruce coincide con la búsqueda."),
    "overview.empty": ("The archive holds no readings yet: run “borderflow ingest” or “borderflow poll”.",
                       "El archivo aún no tiene lecturas: ejecute «borderflow ingest» o «borderflow poll»."),
    "overview.scroll": ("Current waits table (scrolls sideways)", "Tabla de esperas actuales (se desplaza de lado)"),
    "border.mexico": ("Mexico", "México"),
    "border.canada": ("Canada", "Canadá"),
    "country.USA": ("UNITED STATES", "ESTADOS UNIDOS"),
    "country.MEX": ("MEXICO", "MÉXICO"),
    "country.CAN": ("CANADA", "CANADÁ"),
    # severity legend
    "legend.title": ("Wait", "Espera"),
    "legend.green": ("15 min or less", "15 min o menos"),
    "legend.yellow": ("16–45 min", "16–45 min"),
    "legend.orange": ("46–90 min", "46–90 min"),
    "legend.red": ("more than 90 min", "más de 90 min"),
    "legend.grey": ("no current wait reported", "sin espera actual reportada"),
    # units and ages
    "unit.min": ("{value} min", "{value} min"),
    "unit.minutes": ("minutes", "minutos"),
    "unit.vehicles": ("vehicles", "vehículos"),
    "age.minutes": ("{n} min ago", "hace {n} min"),
    "age.hours": ("{n} h ago", "hace {n} h"),
    "age.days": ("{n} days ago", "hace {n} días"),
    "none": ("—", "—"),
    # vocabulary
    "mode.passenger": ("Passenger vehicles", "Vehículos particulares"),
    "mode.commercial": ("Commercial vehicles", "Vehículos comerciales"),
    "mode.pedestrian": ("Pedestrians", "Peatones"),
    "program.standard": ("General", "General"),
    "program.sentri": ("SENTRI/NEXUS", "SENTRI/NEXUS"),
    "program.ready": ("Ready Lane", "Ready Lane"),
    "program.fast": ("FAST", "FAST"),
    "status.delay": ("Delay", "Demora"),
    "status.no_delay": ("No delay", "Sin demora"),
    "status.closed": ("Closed", "Cerrado"),
    "status.not_applicable": ("Not applicable", "No aplica"),
    "status.update_pending": ("Update pending", "Actualización pendiente"),
    # crossing page
    "crossing.facts": ("Crossing {id} · port {port} · {state} · {border} border",
                       "Cruce {id} · puerto {port} · {state} · frontera con {border}"),
    "crossing.current": ("Current waits", "Esperas actuales"),
    "crossing.lane": ("Lane", "Carril"),
    "crossing.wait": ("Wait", "Espera"),
    "crossing.lanes_open": ("Lanes open", "Carriles abiertos"),
    "crossing.status": ("Status", "Estado"),
    "crossing.updated": ("Updated", "Actualizado"),
    "crossing.choose": ("Choose lane and range", "Elija carril y periodo"),
    "crossing.range": ("Range", "Periodo"),
    "crossing.until": ("Ending on", "Hasta el día"),
    "crossing.until_hint": ("empty: up to the newest reading", "vacío: hasta la lectura más reciente"),
    "crossing.days": ("{n} days", "{n} días"),
    "crossing.day": ("1 day", "1 día"),
    "crossing.show": ("Show", "Mostrar"),
    "crossing.no_readings": ("No readings of this crossing are in the archive yet.",
                             "El archivo aún no tiene lecturas de este cruce."),
    "crossing.window": ("{start} to {end} ({tz}), ending at the lane's latest reading.",
                        "Del {start} al {end} ({tz}), hasta la lectura más reciente del carril."),
    "crossing.window_until": ("{start} to {end} ({tz}).", "Del {start} al {end} ({tz})."),
    "crossing.no_lane_readings": ("This lane has no readings in the archive yet.",
                                  "El archivo aún no tiene lecturas de este carril."),
    "history.title": ("Wait history", "Historial de espera"),
    "history.hourly": ("Mean wait per hour", "Espera media por hora"),
    "history.daily": ("Mean wait per day", "Espera media por día"),
    "history.desc": (("Line chart of the mean wait in minutes, {count} points from {first} to {last}; "
                     "highest {max} min."),
                     ("Gráfica de líneas de la espera media en minutos, {count} puntos del {first} al {last}; "
                     "máximo {max} min.")),
    "history.empty": ("No waits in this range.", "No hay esperas en este periodo."),
    "history.table": ("History data", "Datos del historial"),
    "history.start": ("Start", "Inicio"),
    "history.mean": ("Mean (min)", "Media (min)"),
    "history.p90": ("90th percentile (min)", "Percentil 90 (min)"),
    "history.count": ("Readings", "Lecturas"),
    "forecast.title": ("Forecast", "Pronóstico"),
    "forecast.band": ("Forecast with its 80% band", "Pronóstico con su banda del 80 %"),
    "forecast.band80": ("80% band", "Banda del 80 %"),
    "forecast.unreported": (("No wait reported at this hour of the day in the 28 days before (the lane is usually "
                             "closed then): not offered as the best hour."),
                            ("Sin espera reportada a esta hora del día en los 28 días anteriores (el carril suele "
                             "estar cerrado a esa hora): no se propone como la mejor hora.")),
    "forecast.next_hour": ("next hour {wait} ({lo}–{hi})", "próxima hora {wait} ({lo}–{hi})"),
    "forecast.next_hour_title": ("Forecast of the coming hour with its 80% band (minutes)",
                                 "Pronóstico de la próxima hora con su banda del 80 % (minutos)"),
    "forecast.none": ("No forecast for this lane: {reason}", "No hay pronóstico para este carril: {reason}"),
    "forecast.about": (("Model {model} (version {version}), made from readings up to {last}. Best hour to cross: "
                       "{best} ({wait} min)."),
                       ("Modelo {model} (versión {version}), hecho con lecturas hasta {last}. Mejor hora para "
                       "cruzar: {best} ({wait} min).")),
    "forecast.hour": ("Hour", "Hora"),
    "forecast.wait": ("Forecast (min)", "Pronóstico (min)"),
    "forecast.range80": ("80% range (min)", "Rango del 80 % (min)"),
    "forecast.range95": ("95% range (min)", "Rango del 95 % (min)"),
    "forecast.table": ("Forecast data", "Datos del pronóstico"),
    "heat.title": ("Hour of the week", "Hora de la semana"),
    "heat.desc": ("Heat map of the mean wait by weekday and hour ({tz}); darker is longer, highest {max} min.",
                  ("Mapa de calor de la espera media por día y hora ({tz}); más oscuro es más largo, máximo "
                  "{max} min.")),
    "heat.cell": ("{day} {hour}:00 — mean {mean} min, {count} readings",
                  "{day} {hour}:00 — media {mean} min, {count} lecturas"),
    "heat.cell_empty": ("{day} {hour}:00 — no readings", "{day} {hour}:00 — sin lecturas"),
    "heat.empty": ("No readings in this range.", "No hay lecturas en este periodo."),
    "heat.table": ("Hour-of-week data", "Datos por hora de la semana"),
    "heat.caption": ("Mean wait (minutes) by weekday and hour, {tz}", "Espera media (minutos) por día y hora, {tz}"),
    "heat.day": ("Day", "Día"),
    "heat.key": ("Mean wait (minutes)", "Espera media (minutos)"),
    "heat.key_empty": ("No readings", "Sin lecturas"),
    "volumes.title": ("Monthly volumes", "Volúmenes mensuales"),
    "volumes.desc": ("Bar chart of {measure} per month at port {port}, {first} to {last}; highest {max}.",
                     ("Gráfica de barras de {measure} por mes en el puerto {port}, de {first} a {last}; máximo "
                     "{max}.")),
    "volumes.none": ("No monthly counts of {measure} for port {port} in the archive.",
                     "El archivo no tiene conteos mensuales de {measure} del puerto {port}."),
    "volumes.caption": ("{measure} northbound, per month, at port {port}. Source: {sources}.",
                        "{measure} hacia el norte, por mes, en el puerto {port}. Fuente: {sources}."),
    "volumes.caption_mixed": (("{measure} northbound, per month, at port {port}. Sources: {sources}; the table "
                               "gives each month's."),
                              ("{measure} hacia el norte, por mes, en el puerto {port}. Fuentes: {sources}; la "
                               "tabla indica la de cada mes.")),
    "volumes.source": ("Source", "Fuente"),
    "volumes.counted_within": (("BTS counted port {port} within port {within} until {month}: earlier months are "
                                "in port {within}'s count, not here."),
                               ("BTS contó el puerto {port} dentro del puerto {within} hasta {month}: los meses "
                                "anteriores están en el conteo del puerto {within}, no aquí.")),
    "volumes.holds": ("BTS counts of port {port} up to {month} also hold port {other}.",
                      "Los conteos de BTS del puerto {port} hasta {month} incluyen también el puerto {other}."),
    "source.bts": ("BTS", "BTS"),
    "source.txdot": ("TxDOT", "TxDOT"),
    "source.cascade": ("Cascade Gateway", "Cascade Gateway"),
    "source_credit.bts": ("U.S. Bureau of Transportation Statistics (BTS)",
                          "Oficina de Estadísticas de Transporte de EE. UU. (BTS)"),
    "source_credit.txdot": ("Texas Department of Transportation (TxDOT)",
                            "Departamento de Transporte de Texas (TxDOT)"),
    "source_credit.cascade": ("Cascade Gateway Border Data Warehouse (Whatcom Council of Governments)",
                              "Almacén de datos fronterizos Cascade Gateway (Whatcom Council of Governments)"),
    "volumes.month": ("Month", "Mes"),
    "volumes.value": ("Count", "Conteo"),
    "volumes.table": ("Monthly volume data", "Datos de volumen mensual"),
    "measure.Personal Vehicles": ("Personal vehicles", "Vehículos particulares"),
    "measure.Pedestrians": ("Pedestrians", "Peatones"),
    "measure.Trucks": ("Trucks", "Camiones"),
    # simulator
    "sim.title": ("Port simulator", "Simulador de puerto"),
    "sim.intro": ("Open an example scenario or edit one, run it, and read the waits and queues hour by hour.",
                  "Abra un escenario de ejemplo o edítelo, ejecútelo y consulte las esperas y colas hora por hora."),
    "sim.example": ("Example scenario", "Escenario de ejemplo"),
    "sim.open": ("Open", "Abrir"),
    "sim.scenario": ("Scenario (YAML or JSON)", "Escenario (YAML o JSON)"),
    "sim.quick": ("Quick changes", "Cambios rápidos"),
    "sim.multiplier": ("Demand multiplier", "Multiplicador de demanda"),
    "sim.booths": ("Booths added each hour: {group}", "Casetas añadidas cada hora: {group}"),
    "sim.booths_hint": ("Negative numbers remove booths.", "Los números negativos quitan casetas."),
    "sim.replications": ("Replications", "Réplicas"),
    "sim.seed": ("Seed", "Semilla"),
    "sim.compare_box": ("Also run the scenario without the quick changes and compare",
                        "Ejecutar también el escenario sin los cambios rápidos y comparar"),
    "sim.run": ("Run simulation", "Ejecutar simulación"),
    "sim.running": ("Simulating…", "Simulando…"),
    "sim.progress": ("Progress", "Avance"),
    "sim.failed": ("The simulation failed: {error}", "La simulación falló: {error}"),
    "sim.invalid": ("The scenario cannot run: {error}", "El escenario no puede ejecutarse: {error}"),
    "sim.no_examples": ("No example scenarios were found.", "No se encontraron escenarios de ejemplo."),
    "sim.recent": ("Recent runs", "Ejecuciones recientes"),
    "sim.recent_none": ("No runs yet.", "Aún no hay ejecuciones."),
    "sim.compare_title": ("Compare two runs", "Comparar dos ejecuciones"),
    "sim.run_a": ("Run A", "Ejecución A"),
    "sim.run_b": ("Run B", "Ejecución B"),
    "sim.compare": ("Compare", "Comparar"),
    "sim.status.queued": ("queued", "en espera"),
    "sim.status.running": ("running", "en curso"),
    "sim.status.done": ("done", "terminada"),
    "sim.status.failed": ("failed", "fallida"),
    "sim.created": ("Started", "Iniciada"),
    "sim.name": ("Scenario", "Escenario"),
    "sim.state": ("Status", "Estado"),
    "run.title": ("Simulation results", "Resultados de la simulación"),
    "run.summary": (("{hours} hours, {replications} replications, seed {seed}; {vehicles} vehicles simulated in "
                    "{seconds} s."),
                    ("{hours} horas, {replications} réplicas, semilla {seed}; {vehicles} vehículos simulados en "
                    "{seconds} s.")),
    "run.group": ("Lane group {group} ({lane})", "Grupo de carriles {group} ({lane})"),
    "run.table": ("Per-hour results of lane group {group}", "Resultados por hora del grupo {group}"),
    "run.waits_chart": ("Waits per hour (minutes), lane group {group}", "Esperas por hora (minutos), grupo {group}"),
    "run.waits_desc": (("Line chart of the mean and 95th-percentile wait (minutes) for each of {hours} hours; "
                       "highest {max} min."),
                       ("Gráfica de líneas de la espera media y del percentil 95 (minutos) en cada una de las "
                       "{hours} horas; máximo {max} min.")),
    "run.queue_chart": ("Longest queue per hour (vehicles), lane group {group}",
                        "Cola más larga por hora (vehículos), grupo {group}"),
    "run.queue_desc": ("Bar chart of the longest queue (vehicles) in each of {hours} hours; highest {max}.",
                       ("Gráfica de barras de la cola más larga (vehículos) en cada una de las {hours} horas; "
                       "máximo {max}.")),
    "run.truncated": ("The table shows the first {n} hours; the API's JSON holds them all.",
                      "La tabla muestra las primeras {n} horas; el JSON de la API las contiene todas."),
    "run.json": ("Results as JSON", "Resultados en JSON"),
    "run.clock": ("The hours are those of the clock in {zone}, from {first} to {last} ({hours} hours as they elapse).",
                  ("Las horas son las del reloj de {zone}, de {first} a {last} ({hours} horas transcurridas).")),
    "run.clock_back": ("The clocks go back within them, so {clock} comes twice ({first} and {second}).",
                       "En ellas se atrasan los relojes, así que las {clock} se repiten ({first} y {second})."),
    "run.clock_forward": ("The clocks go forward within them, so there is no {clock}.",
                          "En ellas se adelantan los relojes, así que no hay {clock}."),
    "run.again": ("Back to the simulator", "Volver al simulador"),
    "col.hour": ("Hour", "Hora"),
    "col.total": ("Total", "Total"),
    "col.arrivals": ("Arrivals", "Llegadas"),
    "col.served": ("Served", "Atendidos"),
    "col.wait_mean": ("Mean wait (min)", "Espera media (min)"),
    "col.wait_p50": ("Median wait (min)", "Espera mediana (min)"),
    "col.wait_p95": ("95th percentile wait (min)", "Espera percentil 95 (min)"),
    "col.wait_max": ("Longest wait (min)", "Espera máxima (min)"),
    "col.queue": ("Longest queue (vehicles)", "Cola máxima (vehículos)"),
    "col.queue_m": ("Longest queue per open booth (m)", "Cola máxima por caseta abierta (m)"),
    "run.queue_m_note": (("Length per open booth: the longest queue's vehicles times the metres each takes "
                          "(queue_spacing_metres), divided by the booths open that hour — the length of each "
                          "booth's line if the queue were shared evenly."),
                         ("Longitud por caseta abierta: los vehículos de la cola más larga por los metros que "
                          "ocupa cada uno (queue_spacing_metres), divididos entre las casetas abiertas en esa "
                          "hora — la longitud de la fila de cada caseta si la cola se repartiera por igual.")),
    "col.utilization": ("Booth use", "Uso de casetas"),
    "series.mean": ("Mean wait", "Espera media"),
    "series.p95": ("95th percentile", "Percentil 95"),
    "compare.title": ("Scenario comparison", "Comparación de escenarios"),
    "compare.intro": (("95th-percentile wait per hour in run A and run B, and the difference B − A (negative: "
                      "B is shorter)."),
                      ("Espera del percentil 95 por hora en la ejecución A y la B, y la diferencia B − A "
                      "(negativa: B es más corta).")),
    "compare.diff": ("B − A (min)", "B − A (min)"),
    "compare.table": ("95th-percentile wait per hour, lane group {group}",
                      "Espera del percentil 95 por hora, grupo {group}"),
    "compare.chart": ("95th-percentile wait per hour (minutes), run A and run B, lane group {group}",
                      "Espera percentil 95 por hora (minutos), ejecución A y ejecución B, grupo {group}"),
    "compare.chart_desc": ("Line chart of the 95th-percentile wait per hour in run A and run B; highest {max} min.",
                           ("Gráfica de líneas de la espera del percentil 95 por hora en las ejecuciones A y B; "
                           "máximo {max} min.")),
    "compare.missing": ("Lane group {group} is only in one of the two runs.",
                        "El grupo {group} solo está en una de las dos ejecuciones."),
    "compare.same": ("Choose two different runs.", "Elija dos ejecuciones distintas."),
    # errors
    "error.title": ("Something went wrong", "Algo salió mal"),
    "error.404": ("Page not found", "Página no encontrada"),
    "error.404_text": ("There is no such page here.", "Aquí no existe esa página."),
    "error.400": ("The request cannot be answered", "No se puede atender la solicitud"),
    "error.500_text": ("An internal error occurred; it has been logged. Please try again later.",
                       "Ocurrió un error interno; quedó registrado. Inténtelo de nuevo más tarde."),
    "error.503_text": ("The database could not answer; try again shortly.",
                       "La base de datos no pudo responder; inténtelo de nuevo en un momento."),
    "error.home": ("Go to the overview", "Ir al resumen"),
    "error.detail": ("Details: {message}", "Detalles: {message}"),
}

WEEKDAYS = {"en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
            "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")}
WEEKDAYS_SHORT = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
                  "es": ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")}
MONTHS_SHORT = {"en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
                "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")}


def choose_language(cookie: str | None, accept_language: str | None) -> str:
    """The cookie's language when it names one we have, else the best of Accept-Language."""
    if cookie in LANGUAGES:
        return cookie
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        code = tag.strip().lower().split("-")[0]
        try:
            q = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            q = 0.0
        if code in LANGUAGES and q > best_q:
            best, best_q = code, q
    return best


class Translator:
    """Strings, numbers and times in one language; call it with a key and its fields."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self._index = 0 if self.lang == "en" else 1

    def __call__(self, key: str, **fields: object) -> str:
        pair = STRINGS.get(key)
        text = pair[self._index] if pair else key
        return text.format(**fields) if fields else text

    def message(self, message: object) -> str:
        """A service's message (a :class:`~borderflow.messages.Message`, an error, or text)
        in this language; text without an entry in the catalog as it was written."""
        return say(message, self.lang)

    def number(self, value: float | None, decimals: int = 0) -> str:
        """``1,234.5``; an em dash for a missing value."""
        if value is None:
            return self("none")
        return f"{value:,.{decimals}f}"

    def percent(self, value: float | None) -> str:
        return self("none") if value is None else f"{value * 100:.0f}%"

    def minutes(self, value: float | None) -> str:
        return self("none") if value is None else self("unit.min", value=self.number(value))

    def age(self, minutes: int) -> str:
        """How long ago, in the largest whole unit that keeps it short."""
        if minutes < 120:
            return self("age.minutes", n=minutes)
        if minutes < 48 * 60:
            return self("age.hours", n=minutes // 60)
        return self("age.days", n=self.number(minutes // 1440))

    def when(self, value: dt.datetime, zone: str | None = None, *, date_only: bool = False) -> str:
        """``2022-06-29 13:00 MDT`` in the crossing's zone (UTC when none)."""
        local = value.astimezone(ZoneInfo(zone)) if zone else value.astimezone(dt.UTC)
        if date_only:
            return local.strftime("%Y-%m-%d")
        return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "UTC")

    def weekday(self, index: int, short: bool = False) -> str:
        return (WEEKDAYS_SHORT if short else WEEKDAYS)[self.lang][index]

    def month(self, text: str) -> str:
        """``2024-05`` -> ``May 2024`` / ``may 2024``."""
        year, month = text.split("-")
        return f"{MONTHS_SHORT[self.lang][int(month) - 1]} {year}"

    def lane(self, mode: str, program: str) -> str:
        return f"{self('mode.' + mode)} · {self('program.' + program)}"
