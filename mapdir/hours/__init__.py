"""Opening hours, one home: OSM ``opening_hours`` syntax (osm), French free text → OSM
(free_text), evaluation at an instant or over a period (evaluate), the ``ouvert`` parameter
(open_time), the half-hour slots of the search index (time_slots), French labels (labels)."""
