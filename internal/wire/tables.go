package wire

// Table operations: the catalog and endpoint discovery.

func (h *Handler) registerTables() {
	register(h, "CreateTable", h.db.CreateTable)
	register(h, "DescribeTable", h.db.DescribeTable)
	register(h, "ListTables", h.db.ListTables)
	register(h, "DeleteTable", h.db.DeleteTable)
	register(h, "UpdateTable", h.db.UpdateTable)
	register(h, "DescribeEndpoints", h.db.DescribeEndpoints)
}
