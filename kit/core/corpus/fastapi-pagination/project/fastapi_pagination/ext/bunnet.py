from bunnet.odm.queries.find import FindMany
