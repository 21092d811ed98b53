package wire

// Transactions.

func (h *handler) registerTransact() {
	register(h, "TransactWriteItems", h.db.TransactWriteItems)
	register(h, "TransactGetItems", h.db.TransactGetItems)
}
