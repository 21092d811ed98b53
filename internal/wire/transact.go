package wire

// Transactions.

func (h *Handler) registerTransact() {
	register(h, "TransactWriteItems", h.db.TransactWriteItems)
	register(h, "TransactGetItems", h.db.TransactGetItems)
}
