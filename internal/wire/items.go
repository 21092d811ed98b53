package wire

// Single-item operations.

func (h *Handler) registerItems() {
	register(h, "PutItem", h.db.PutItem)
	register(h, "GetItem", h.db.GetItem)
	register(h, "DeleteItem", h.db.DeleteItem)
	register(h, "UpdateItem", h.db.UpdateItem)
}
