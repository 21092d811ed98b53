package wire

// Multi-item reads.

func (h *Handler) registerQuery() {
	register(h, "Query", h.db.Query)
	register(h, "Scan", h.db.Scan)
}
