"""English and Spanish of the messages a page or a report can show (see :mod:`borderflow.messages`).

key -> (English, Spanish); placeholders are ``str.format`` fields of the message, the
same in both languages. The English is what a page says: the CLI's text, except where
that names a command-line option (a page names its form field instead) or an API path.

Not every message has an entry: those a page user can meet by mistyping a form, a
scenario or a link do, and so do the reasons a page or a report gives for what it cannot
show. A rarer message (a deep rule of a scenario, say) is said in English inside a
Spanish lead-in ("el escenario no es válido: ..."), which is better than no message.
Values quoted from the input, scenario paths such as ``lane_groups.general.booths`` and
messages of other libraries (PyYAML's syntax errors) stay as they are.
"""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # -- values and vocabulary used inside other messages
    "value.nothing": ("nothing", "un valor vacío"),
    "value.one_of": ("{path} must be one of {choices}; got {got}", "{path} debe ser uno de {choices}; se recibió {got}"),
    "problems": ("{problems}", "{problems}"),
    "mode.passenger": ("passenger", "vehículos particulares"),
    "mode.commercial": ("commercial", "vehículos comerciales"),
    "mode.pedestrian": ("pedestrian", "peatones"),
    "measure.Personal Vehicles": ("Personal Vehicles", "Vehículos particulares"),
    "measure.Trucks": ("Trucks", "Camiones"),
    "measure.Pedestrians": ("Pedestrians", "Peatones"),
    "period.month": ("month", "mes"),
    "period.quarter": ("quarter", "trimestre"),
    # -- form fields, as the pages' forms name them
    "field.target": ("Target", "Meta"),
    "field.max_booths": ("Most booths per lane group", "Máximo de casetas por grupo de carriles"),
    "field.shift_hours": ("Shift length", "Duración del turno"),
    "field.min_crew": ("Minimum crew on duty", "Personal mínimo en servicio"),
    "field.replications": ("Replications", "Réplicas"),
    "field.seed": ("Seed", "Semilla"),
    "field.capital": ("Capital cost", "Costo de capital"),
    "field.yearly": ("Yearly cost", "Costo anual"),
    "field.passengers": ("People per vehicle", "Personas por vehículo"),
    "field.multiplier": ("Demand multiplier", "Multiplicador de demanda"),
    "field.booths": ("Booths added each hour: {group}", "Casetas añadidas cada hora: {group}"),
    "form.whole_number": ("{field} must be a whole number; got {got!r}",
                          "«{field}» debe ser un número entero; se recibió «{got}»"),
    "form.number": ("{field} must be a number; got {got!r}", "«{field}» debe ser un número; se recibió «{got}»"),
    "form.finite": ("{field} must be a finite number; got {got!r}",
                    "«{field}» debe ser un número finito; se recibió «{got}»"),
    "form.at_least": ("{field} must be >= {low:g}; got {got}", "«{field}» debe ser mayor o igual que {low:g}; se recibió {got}"),
    "form.at_most": ("{field} must be <= {high:g}; got {got}", "«{field}» debe ser menor o igual que {high:g}; se recibió {got}"),
    "form.max_replications": ("the page runs at most {most} replications; got {got}",
                              "la página ejecuta como máximo {most} réplicas; se recibió {got}"),
    # -- crossing page
    "crossing.unknown": ("no crossing {crossing!r}; the overview page (/) lists every crossing",
                         "no existe el cruce «{crossing}»; la página de resumen (/) muestra todos los cruces"),
    "crossing.days": ("days must be one of {choices}; got {got!r}",
                      "el periodo (days) debe ser de {choices} días; se recibió «{got}»"),
    "crossing.lane": ("lane must be MODE-PROGRAM, e.g. passenger-standard; got {got!r}",
                      "el carril (lane) debe escribirse MODO-PROGRAMA, p. ej. passenger-standard; se recibió «{got}»"),
    "crossing.until_format": ("until must be a date written YYYY-MM-DD; got {got!r}",
                              "la fecha final (until) debe escribirse AAAA-MM-DD; se recibió «{got}»"),
    "crossing.until_range": ("until must be a date from 1990 to 2100; got {got}",
                             "la fecha final (until) debe estar entre 1990 y 2100; se recibió {got}"),
    # -- forecasts
    "forecast.no_model": (
        "no trained forecast model covers this lane yet; a model must be trained first (borderflow forecast train)",
        ("aún no hay un modelo de pronóstico entrenado para este carril; primero hay que entrenar uno "
         "(borderflow forecast train)")),
    "forecast.too_few_hours": (
        ("no trained forecast model covers this lane: it has {hours} of the {least} hours with a reading that "
         "training needs, so the lane waits for more readings"),
        ("ningún modelo de pronóstico entrenado cubre este carril: tiene {hours} de las {least} horas con "
         "lectura que el entrenamiento necesita, así que el carril espera más lecturas")),
    "forecast.no_reading": ("this lane has no reading with a wait before {before}; nothing to forecast from",
                            "este carril no tiene lecturas con espera antes del {before}; no hay de dónde pronosticar"),
    "forecast.stale": (
        ("the lane's newest reading before {asked} is from {last}, more than {hours} hours earlier; a forecast "
         "needs recent readings"),
        ("la lectura más reciente del carril antes del {asked} es del {last}, más de {hours} horas antes; un "
         "pronóstico necesita lecturas recientes")),
    "forecast.horizon": ("model {version} forecasts at most {most} hours; got hours={hours}",
                         "el modelo {version} pronostica como máximo {most} horas; se pidieron {hours}"),
    "forecast.failed": ("the forecast could not be computed", "no se pudo calcular el pronóstico"),
    # -- scenarios (the simulator's form; the staffing and appraisal examples)
    "scenario.where": ("scenario", "el escenario"),
    "scenario.problem": ("{where}: {problem}", "{where} no es válido: {problem}"),
    "scenario.problems": ("{where} has {count} problems: {problems}{more}",
                          "{where} tiene {count} problemas: {problems}{more}"),
    "scenario.more": ("; and {count} more", "; y {count} más"),
    "scenario.syntax_at": ("the scenario is not valid YAML or JSON at line {line}, column {column}: {problem}",
                           "el escenario no es YAML ni JSON válido en la línea {line}, columna {column}: {problem}"),
    "scenario.syntax": ("the scenario is not valid YAML or JSON: {problem}",
                        "el escenario no es YAML ni JSON válido: {problem}"),
    "scenario.check_syntax": ("check its syntax", "revise su sintaxis"),
    "scenario.unreadable": ("the scenario cannot be read: {problem}", "no se puede leer el escenario: {problem}"),
    "scenario.not_mapping": ("a scenario must be a mapping with name, hours, lane_groups and demand; got {got}",
                             ("un escenario debe ser un mapeo con name, hours, lane_groups y demand; se recibió "
                              "{got}")),
    "scenario.got_nothing": ("nothing (the text is empty)", "nada (el texto está vacío)"),
    "scenario.got_list": ("a list of {count} items", "una lista de {count} elementos"),
    "scenario.got_value": ("a single value ({value!r})", "un solo valor («{value}»)"),
    "scenario.name": ("name must be a non-empty string; got {got!r}", "name debe ser un texto no vacío; se recibió {got!r}"),
    "scenario.whole_range": ("{path} must be a whole number from {low} to {high}; got {got}",
                             "{path} debe ser un número entero de {low} a {high}; se recibió {got}"),
    "scenario.whole_min": ("{path} must be a whole number >= {low}; got {got}",
                           "{path} debe ser un número entero mayor o igual que {low}; se recibió {got}"),
    "scenario.unknown_key": ("unknown key {key!r}; expected one of {allowed}",
                             "clave desconocida {key!r}; se esperaba una de estas: {allowed}"),
    "scenario.unknown_key_in": ("unknown key {key!r} in {path}; expected one of {allowed}",
                                "clave desconocida {key!r} en {path}; se esperaba una de estas: {allowed}"),
    "scenario.kind_whole": ("a whole number >= 0", "un número entero mayor o igual que 0"),
    "scenario.kind_number": ("a number >= 0", "un número mayor o igual que 0"),
    "scenario.per_hour_count": (
        "{path} must be {kind} for each of the {hours} hours; got a list of {count} values, expected {hours}",
        ("{path} debe ser {kind} en cada una de las {hours} horas; se recibió una lista de {count} valores y se "
         "esperaban {hours}")),
    "scenario.per_hour_value": ("{path} must be {kind} for each of the {hours} hours; got {got}{at}",
                                "{path} debe ser {kind} en cada una de las {hours} horas; se recibió {got}{at}"),
    "scenario.at_hour": (" at hour {hour}", " en la hora {hour}"),
    "scenario.lane_groups": (
        "lane_groups must be a non-empty mapping from a lane group id to its booths and service; got {got}",
        ("lane_groups debe ser un mapeo no vacío de cada id de grupo de carriles a sus casetas (booths) y su "
         "servicio (service); se recibió {got}")),
    "scenario.group_mapping": ("{path} must be a mapping with mode, program, booths and service",
                               "{path} debe ser un mapeo con mode, program, booths y service"),
    "scenario.mean_seconds": ("{path}.mean_seconds must be a number > 0 and at most 86,400 (a day); got {got}",
                              ("{path}.mean_seconds debe ser un número mayor que 0 y de 86,400 como máximo "
                               "(un día); se recibió {got}")),
    "scenario.probability": ("{path}.probability must be a number from 0 to 1; got {got}",
                             "{path}.probability debe ser un número de 0 a 1; se recibió {got}"),
    "scenario.demand": ("demand must be a list of {{to: GROUP or [GROUP, ...], per_hour: ...}}; got {got}",
                        "demand debe ser una lista de {{to: GRUPO o [GRUPO, ...], per_hour: ...}}; se recibió {got}"),
    "scenario.demand_entry": ("{path} must be a mapping with to and per_hour; got {got}",
                              "{path} debe ser un mapeo con to y per_hour; se recibió {got}"),
    "scenario.demand_unknown": ("{path}.to names unknown lane group(s) {unknown}; known: {known}",
                                ("{path}.to nombra grupos de carriles que no existen: {unknown}; los que existen "
                                 "son: {known}")),
    # -- the simulator
    "sim.multiplier": ("the demand multiplier must be a number from 0 to {most:g}; got {got!r}",
                       "el multiplicador de demanda debe ser un número de 0 a {most:g}; se recibió {got!r}"),
    "sim.too_much_memory": (
        ("this scenario's statistics would take about {mib:,.0f} MiB (replications x lane groups x hours); the web "
         "runs at most {most:,.0f} MiB; lower replications or hours, or run it with 'borderflow simulate FILE'"),
        ("las estadísticas de este escenario ocuparían unos {mib:,.0f} MiB (réplicas × grupos de carriles × "
         "horas); la web admite como máximo {most:,.0f} MiB; reduzca las réplicas o las horas, o ejecútelo con "
         "«borderflow simulate ARCHIVO»")),
    "sim.too_large": (
        ("this scenario would simulate about {work:,.0f} vehicles (expected arrivals x replications); the web "
         "runs at most {most:,}; lower replications or hours, or run it with 'borderflow simulate FILE'"),
        ("este escenario simularía unos {work:,.0f} vehículos (llegadas esperadas × réplicas); la web ejecuta "
         "como máximo {most:,}; reduzca las réplicas o las horas, o ejecútelo con «borderflow simulate ARCHIVO»")),
    "sim.busy": ("{waiting} simulations are queued or running (at most {most}); try again when some have finished",
                 ("hay {waiting} simulaciones en espera o en curso (como máximo {most}); inténtelo de nuevo cuando "
                  "terminen algunas")),
    "sim.no_example": ("no example scenario {id!r}; known: {known}",
                       "no existe el escenario de ejemplo «{id}»; los disponibles son: {known}"),
    "sim.no_run": ("no simulation {id!r}; the newest {kept} finished runs are kept",
                   "no existe la simulación «{id}»; se conservan las {kept} ejecuciones terminadas más recientes"),
    "sim.interrupted": ("interrupted: the server stopped before this simulation finished; submit it again",
                        "interrumpida: el servidor se detuvo antes de que terminara esta simulación; envíela de nuevo"),
    "sim.crashed": ("an unexpected error ({kind}) stopped it; it has been logged",
                    "un error inesperado ({kind}) la detuvo; quedó registrado"),
    "compute.stopped": ("the computation's process stopped ({kind}) before it answered; it has been logged",
                        "el proceso del cálculo se detuvo ({kind}) antes de responder; quedó registrado"),
    # -- staffing and appraisal pages
    "plan.no_example": ("no example scenario {id!r}", "no existe el escenario de ejemplo «{id}»"),
    "plan.busy": ("the planner is already computing {most} pages; try again in a minute",
                  "el planificador ya está calculando {most} páginas; inténtelo de nuevo en un minuto"),
    "staff.no_example": ("no example scenario or forecast lane {id!r}",
                         "no existe el escenario de ejemplo ni el carril con pronóstico «{id}»"),
    "staff.no_reading": ("{crossing} {mode}/{program} has no reading to forecast from",
                         "{crossing} {mode}/{program} no tiene lecturas a partir de las cuales pronosticar"),
    "staff.day": ("the day must be a date like 2026-08-23; got {got!r}",
                  "el día debe ser una fecha como 2026-08-23; se recibió «{got}»"),
    "staff.too_many_vehicles": ("the page staffs scenarios of at most {most:,} vehicles; use borderflow staff",
                                ("la página calcula la asignación de escenarios de hasta {most:,} vehículos; use "
                                 "borderflow staff")),
    "staff.target": ("the target p95 must be a number of minutes > 0; got {got!r}",
                     "la meta del percentil 95 debe ser un número de minutos mayor que 0; se recibió {got!r}"),
    "staff.day_too_early": ("{day} (local) starts before the forecast's first hour {origin}; choose a later day",
                            ("el {day} (hora local) empieza antes de la primera hora del pronóstico, {origin}; "
                             "elija un día posterior")),
    "staff.day_too_late": (
        ("{day} (local) ends {hours} hours after the forecast's first hour; forecasts reach {most} hours: "
         "choose an earlier day"),
        ("el {day} (hora local) termina {hours} horas después de la primera hora del pronóstico; los pronósticos "
         "llegan a {most} horas: elija un día anterior")),
    "staff.day_far": (
        "{day} (local) begins more than {most} hours after the forecast time {at}: choose an earlier day",
        ("el {day} (hora local) empieza más de {most} horas después de la hora del pronóstico, {at}: elija un "
         "día anterior")),
    "staff.none_closed": (
        ("a p95 of {target:g} min cannot be met in any hour of {groups}: at most 0 booths may open; raise "
         "Most booths per lane group"),
        ("un percentil 95 de {target:g} min no puede cumplirse en ninguna hora de {groups}: pueden abrir como "
         "máximo 0 casetas; aumente «Máximo de casetas por grupo de carriles»")),
    "staff.none_met": (
        ("a p95 of {target:g} min{hint} cannot be met in any hour of {groups}: even with every booth open (at "
         "most {caps}) the best hour's p95 is {best:.1f} min{close}; raise the target or Most booths per lane "
         "group"),
        ("un percentil 95 de {target:g} min{hint} no puede cumplirse en ninguna hora de {groups}: aun con todas "
         "las casetas abiertas (como máximo {caps}), el percentil 95 de la mejor hora es de {best:.1f} "
         "min{close}; aumente la meta o el «Máximo de casetas por grupo de carriles»")),
    "staff.none_hint": (" (below the mean inspection time of {minutes:.1f} min)",
                        " (menor que el tiempo medio de inspección de {minutes:.1f} min)"),
    "staff.none_close": (" (p95 + {z:g} standard errors = {margin:.1f} min: too close to promise)",
                         " (percentil 95 + {z:g} errores estándar = {margin:.1f} min: demasiado cerca para garantizarlo)"),
    "staff.issue": ("{group} hour {hour}: target {target:g} min not met: {why}{measured}",
                    "grupo {group}, hora {hour}: no se cumple la meta de {target:g} min: {why}{measured}"),
    "staff.issue_check": (
        ("{group} hour {hour}: p95 {p95} min on the fresh-seed check, above the {target:g} min target that the "
         "search's replications met; the hour sits at the edge of the target (more replications settle it)"),
        ("grupo {group}, hora {hour}: percentil 95 de {p95} min en la verificación con semillas nuevas, por encima "
         "de la meta de {target:g} min que sí cumplieron las réplicas de la búsqueda; la hora está al borde de la "
         "meta (más réplicas lo resuelven)")),
    "staff.overload": (
        ("{arrivals:.0f} arrivals x {seconds:g} s = {work:.1f} booth-hours of work in one hour, more than the "
         "{cap} booths available can do"),
        ("{arrivals:.0f} llegadas × {seconds:g} s = {work:.1f} horas-caseta de trabajo en una hora, más de lo que "
         "pueden atender las {cap} casetas disponibles")),
    "staff.backlog": ("the queue built up from hour {first} is still being served: {at_cap}",
                      "todavía se está atendiendo la cola acumulada desde la hora {first}: {at_cap}"),
    "staff.tight": ("{at_cap} (load {work:.1f} of {cap} booths){below}",
                    "{at_cap} (carga de {work:.1f} de {cap} casetas){below}"),
    "staff.at_cap": ("even with all {cap} booths open the p95 is {p95:.1f} min",
                     "aun con las {cap} casetas abiertas, el percentil 95 es de {p95:.1f} min"),
    "staff.at_cap_close": (
        ("even with all {cap} booths open the p95 is {p95:.1f} min, within {z:g} standard errors ({se:.2f} min) "
         "of the target: too close to promise"),
        ("aun con las {cap} casetas abiertas, el percentil 95 es de {p95:.1f} min, a menos de {z:g} errores "
         "estándar ({se:.2f} min) de la meta: demasiado cerca para garantizarlo")),
    "staff.below": ("; the target is below the mean inspection time of {minutes:.1f} min",
                    "; la meta es menor que el tiempo medio de inspección de {minutes:.1f} min"),
    "staff.measured": (" (the fresh-seed check measured {p95} min)",
                       " (la verificación con semillas nuevas midió {p95} min)"),
    "appr.modes_differ": ("the alternative serves a mode the base does not; choose scenarios of one kind",
                          "la alternativa atiende un modo que la base no atiende; elija escenarios del mismo tipo"),
    "appr.people_unknown": (
        ("people per personal vehicle is unknown: give a port whose BTS counts include Personal Vehicle "
         "Passengers, or fill in People per vehicle"),
        ("se desconoce cuántas personas viajan por vehículo particular: indique un puerto cuyos conteos de BTS "
         "incluyan pasajeros de vehículos particulares (Personal Vehicle Passengers), o llene «Personas por "
         "vehículo»")),
    "appr.year": ("the year of volumes must be a year like 2024 (1900-2199); got {got!r}",
                  "el año de los volúmenes debe ser un año como 2024 (1900-2199); se recibió {got!r}"),
    "appr.people": ("people per vehicle must be a number > 0 and at most {most}; got {got!r}",
                    ("las personas por vehículo deben ser un número mayor que 0 y de a lo sumo {most}; "
                     "se recibió {got!r}")),
    "appr.port": ("port must be a 4-digit CBP port code like 2504; got {got!r}",
                  "el puerto debe ser un código de puerto de CBP de 4 dígitos, como 2504; se recibió «{got}»"),
    "appr.no_complete_year": (
        ("the archive has no year with BTS {measures} counts in all 12 months for port {port} (a year of zeros "
         "counts nothing); choose another port, or ask the archive's administrator to load BTS's Border Crossing "
         "Entry Data"),
        ("el archivo no tiene ningún año con conteos de BTS de {measures} en los 12 meses del puerto {port} (un año "
         "de ceros no cuenta nada); elija otro puerto, o pida a quien administra el archivo que cargue los datos de cruces fronterizos de BTS")),
    "appr.no_year": (
        ("the archive has no BTS volumes for port {port} in {year}; ingest the BTS Border Crossing Entry Data or "
         "choose another year"),
        ("el archivo no tiene volúmenes de BTS del puerto {port} en {year}; cargue los datos de cruces "
         "fronterizos de BTS o elija otro año")),
    "appr.alt_extra_modes": (
        ("{name!r} has {modes} demand that the base lacks; a base and its alternatives serve the same modes: keep "
         "every mode's lanes and demand in each alternative"),
        ("«{name}» tiene demanda de {modes} que la base no tiene; una base y sus alternativas atienden los mismos "
         "modos: conserve los carriles y la demanda de cada modo en cada alternativa")),
    "appr.alt_missing_modes": (
        ("{name!r} has no {modes} demand that the base has (its delay would count as saved); a base and its "
         "alternatives serve the same modes: keep every mode's lanes and demand in each alternative"),
        ("«{name}» no tiene la demanda de {modes} que tiene la base (su demora contaría como ahorrada); una base y "
         "sus alternativas atienden los mismos modos: conserve los carriles y la demanda de cada modo en cada "
         "alternativa")),
    "appr.port_lacks_modes": (
        "port {port} has no BTS {modes} volumes in {year}; appraise scenarios of the modes the port counts",
        ("el puerto {port} no tiene volúmenes de BTS de {modes} en {year}; evalúe escenarios de los modos que "
         "cuenta el puerto")),
    "appr.scenario_day": ("no port given: the scenario's own day stands for each of {days} days",
                          "sin puerto: el día del propio escenario representa cada uno de los {days} días del año"),
    "appr.one_day": (
        ("an appraised scenario is one day (at most 24 hours, its open hours), since each simulated day stands "
         "for days of the year; {name!r} has {hours} hours: give a scenario of one day"),
        ("un escenario evaluado es un solo día (a lo sumo 24 horas, sus horas de servicio), pues cada día simulado "
         "representa días del año; «{name}» tiene {hours} horas: elija un escenario de un día")),
    "appr.days_need_port": (
        ("weekend factors and all months shape the days built from a port's BTS monthly volumes; without a port "
         "the scenario's own day stands for every day of the year: give a port or leave them out"),
        ("los factores de fin de semana y todos los meses dan forma a los días construidos con los volúmenes "
         "mensuales de BTS de un puerto; sin puerto, el día del propio escenario representa cada día del año: "
         "indique un puerto o quítelos")),
    "appr.missing_months": ("{measure}: no BTS count for {months}", "{measure}: no hay conteo de BTS de {months}"),
    "appr.filled_months": ("{mode}: months without a count take the year's monthly mean ({fill:,.0f})",
                           "{mode}: los meses sin conteo toman la media mensual del año ({fill:,.0f})"),
    # -- action plans: the pages and the progress report
    "plan.unknown": ("no plan {ref!r}; the plans page (/plans) lists every plan",
                     "no existe el plan «{ref}»; la página de planes (/plans) muestra todos"),
    "kpi.definition": ("{problem}", "la definición guardada del indicador no es válida: {problem}"),
    "kpi.period_label": (
        "{where} must be a {period} label like {example!r} (the KPI's period is {name!r}); got {got!r}",
        ("{where} debe ser una etiqueta de {period} como {example!r} (el periodo del indicador es {name!r}); "
         "se recibió {got!r}")),
    "kpi.results_missing": (
        "KPI results file {file!r} does not exist; run the appraisal and save its --json output there",
        ("el archivo de resultados del indicador {file!r} no existe; ejecute la evaluación y guarde ahí su "
         "salida --json")),
    "kpi.results_unreadable": (
        "KPI results file {file!r} cannot be read: {why}; save the appraisal's --json output there",
        ("no se puede leer el archivo de resultados del indicador {file!r}: {why}; guarde ahí la salida --json "
         "de la evaluación")),
    "kpi.unreadable_not_file": ("it is not a regular file (a directory?)", "no es un archivo común (¿un directorio?)"),
    "kpi.unreadable_too_large": ("it holds {size:,} bytes, more than {limit:,}", "tiene {size:,} bytes, más de {limit:,}"),
    "kpi.unreadable_denied": ("permission denied", "permiso denegado"),
    "kpi.unreadable_os": ("the system refused to read it ({why})", "el sistema no permitió leerlo ({why})"),
    "kpi.unreadable_not_utf8": ("it is not UTF-8 text", "no es texto UTF-8"),
    "kpi.unreadable_not_json": ("it is not JSON", "no es JSON"),
    "kpi.results_no_field": ("results file {file!r} has no field {field!r} (stopped at {part!r})",
                             "el archivo de resultados {file!r} no tiene el campo {field!r} (se detuvo en {part!r})"),
    "kpi.crossing_unknown": (
        ("not in the catalog of crossings: {crossings}; correct the KPI's crossing ids (GET /api/v1/crossings "
         "lists the known ones)"),
        ("no están en el catálogo de cruces: {crossings}; corrija los números de cruce del indicador "
         "(GET /api/v1/crossings muestra los conocidos)")),
    "kpi.port_unknown": (
        ("not in the catalog of ports and without counts in the archive: {ports}; correct the KPI's port codes "
         "(GET /api/v1/ports lists the known ones)"),
        ("no están en el catálogo de puertos ni tienen conteos en el archivo: {ports}; corrija los códigos de "
         "puerto del indicador (GET /api/v1/ports muestra los conocidos)")),
    "kpi.volumes_source_unknown": (
        ("the archive holds no counts from source {source!r} (volumes_from); its sources of counts are {sources}: "
         "correct the KPI's volumes_from"),
        ("el archivo no tiene conteos de la fuente {source!r} (volumes_from); sus fuentes de conteos son "
         "{sources}: corrija el volumes_from del indicador")),
    "kpi.results_not_number": ("field {field!r} of {file!r} must be a number; got {got!r}",
                               "el campo {field!r} de {file!r} debe ser un número; se recibió {got!r}"),
    # -- the rules of a KPI's definition (a stored one may break a rule added since)
    "kpi.target": ("{where}.target must be a number; got {got!r}", "{where}.target debe ser un número; se recibió {got!r}"),
    "kpi.baseline_shape": ('{where}.baseline must be {{"from": "YYYY-MM", "to": "YYYY-MM"}}; got {got!r}',
                           ('{where}.baseline debe ser {{"from": "AAAA-MM", "to": "AAAA-MM"}} (meses de inicio y '
                            'fin); se recibió {got!r}')),
    "kpi.baseline_order": ("{where}.baseline needs both from and to, from <= to; got {got!r}",
                           ("{where}.baseline necesita from y to (inicio y fin), con from anterior o igual a to; "
                            "se recibió {got!r}")),
    "kpi.month": ("{where} must be a month YYYY-MM from {first} to {last}; got {got!r}",
                  "{where} debe ser un mes AAAA-MM de {first} a {last}; se recibió {got!r}"),
    "kpi.start_end": ("{where}.start must be before {where}.end; got {start} and {end}",
                      ("{where}.start (inicio) debe ser anterior a {where}.end (fin); se recibieron {start} y "
                       "{end}")),
    "kpi.hours": ("{where}.hours must be [start, end) whole local hours 0-24, e.g. [6, 10]; got {got!r}",
                  ("{where}.hours debe ser [inicio, fin) en horas locales enteras de 0 a 24, p. ej. [6, 10]; se "
                   "recibió {got!r}")),
    "kpi.weekdays": ("{where}.weekdays must be a list of 0 (Monday) .. 6 (Sunday); got {got!r}",
                     "{where}.weekdays debe ser una lista de 0 (lunes) a 6 (domingo); se recibió {got!r}"),
    "kpi.codes": ("{where} must be a list of {digits}-digit CBP codes such as [{example!r}]; got {got!r}",
                  ("{where} debe ser una lista de códigos de CBP de {digits} dígitos, como [{example!r}]; se "
                   "recibió {got!r}")),
    "kpi.volumes_from": ('{where} must be an archive source name such as "bts" or "txdot"; got {got!r}',
                         ('{where} debe ser el nombre de una fuente del archivo, como "bts" o "txdot"; se recibió '
                          '{got!r}')),
    "kpi.measure_required": ('{where} is required for volumes, e.g. "Trucks"; one of {known}',
                             ('{where} es obligatorio para los volúmenes, p. ej. "Trucks"; una de estas medidas: '
                              '{known}')),
    "kpi.measure_unknown": (("{where} {measure!r} is not a measure the archive stores; {hint}use one of {known} "
                            "(as written)"),
                            ("{where} {measure!r} no es una medida que el archivo guarde; {hint}use una de estas, "
                             "escrita tal cual: {known}")),
    "kpi.measure_hint": ("did you mean {close!r}? ", "¿quiso decir {close!r}? "),
    "kpi.results_list": ('{where}.results must list {{"period", "file", "field"}} entries',
                         '{where}.results debe ser una lista de entradas {{"period", "file", "field"}}'),
    "kpi.results_entry": ("{where}.results[{index}] needs text period, file and field; got {got!r}",
                          ("{where}.results[{index}] necesita period, file y field como texto; se recibió "
                           "{got!r}")),
    "date.format": ("{where} must be a date YYYY-MM-DD; got {got!r}",
                    "{where} debe ser una fecha AAAA-MM-DD; se recibió {got!r}"),
    "date.range": ("{where} must be a date from {first} to {last}; got {got}",
                   "{where} debe ser una fecha del {first} al {last}; se recibió {got}"),
    "text.not_text": ("{name} must be text; got {got}", "{name} debe ser texto; se recibió {got}"),
    "text.required": ("{name} is required and may not be empty; give the {last}",
                      "{name} es obligatorio y no puede quedar vacío; indique {last}"),
    "text.too_long": ("{name} may be at most {limit} characters; got {got}; shorten it",
                      "{name} admite como máximo {limit} caracteres; se recibieron {got}: acórtelo"),
    "text.character": ("{name} holds the character {code} at position {position}, {kind}; remove it",
                       "{name} contiene el carácter {code} en la posición {position}, {kind}; quítelo"),
    "text.surrogate": ("half of a UTF-16 surrogate pair, not a character",
                       "la mitad de un par sustituto UTF-16, que no es un carácter"),
    "text.separator": ("a line or paragraph separator, which a one-line text does not hold",
                       "un separador de línea o de párrafo, que un texto de una sola línea no admite"),
    "text.control": ("a control or direction override", "un carácter de control o de cambio de dirección"),
}

#: Keys (and key prefixes ending in ".") whose English differs on purpose from the text the
#: CLI and the API give: a form field's label instead of an option, a page instead of a
#: command or an API path, a lane's own page instead of its name.
PAGE_WORDED: frozenset[str] = frozenset({
    "field.", "form.whole_number", "form.number", "form.finite", "form.at_least", "form.at_most",
    "crossing.unknown", "forecast.no_model", "forecast.no_reading", "forecast.stale", "forecast.too_few_hours",
    "staff.none_closed", "staff.none_met", "plan.busy", "staff.day_too_early", "staff.day_too_late",
    "appr.people_unknown", "appr.no_complete_year", "appr.missing_months", "plan.unknown",
})
