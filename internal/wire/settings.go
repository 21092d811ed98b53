package wire

// Table settings kept beside the table: tags, time to live, and the
// account's throughput limits.

func (h *Handler) registerSettings() {
	register(h, "TagResource", h.db.TagResource)
	register(h, "UntagResource", h.db.UntagResource)
	register(h, "ListTagsOfResource", h.db.ListTagsOfResource)
	register(h, "UpdateTimeToLive", h.db.UpdateTimeToLive)
	register(h, "DescribeTimeToLive", h.db.DescribeTimeToLive)
	register(h, "DescribeLimits", h.db.DescribeLimits)
}
