// Package auth authenticates and authorizes DynamoDB requests as AWS does,
// for `dynago serve --auth FILE`: SigV4 signatures checked against the
// access keys of an auth file, and IAM-style policies (identity-based,
// from the file, and resource-based, from PutResourcePolicy) evaluated
// for each action on each resource.
//
// It is a library with no I/O beyond Load. The pieces and who calls them:
//
//	// The server, at start and on SIGHUP. A bad file is a *FileError
//	// (file:line:column: reason); keep serving with the old Config.
//	cfg, err := auth.Load(path)
//	current.Store(cfg) // an atomic.Pointer[auth.Config]
//
//	// The wire layer, once per request, before routing.
//	v := auth.NewVerifier(auth.VerifierOptions{}) // one per server
//	id, err := v.Verify(current.Load(), &auth.SignedRequest{
//		Method: ..., Path: ..., RawQuery: ..., Host: ..., Header: ..., Body: ...,
//	}, time.Now())
//	// err is DynamoDB's (MissingAuthenticationTokenException, ...);
//	// id.Principal.Account and id.Region name the request's namespace.
//
//	// The engine, where an operation resolves its tables (once per item
//	// for batches, transactions and PartiQL).
//	req := &auth.Request{Principal: id.Principal, Action: "dynamodb:GetItem",
//		Resources: []auth.Resource{{ARN: tableARN, Policy: tablePolicy}}}
//	req.Keys.Set(auth.KeyLeadingKeys, partitionKey)
//	err := auth.Authorize(req) // nil, or AccessDeniedException in IAM's words
//
//	// PutResourcePolicy, and CreateTable's ResourcePolicy.
//	pol, err := auth.ParseResourcePolicy(document, tableOrStreamARN)
//
// Everything returned is immutable and safe for concurrent use; the
// Verifier's only state is its bounded cache of derived signing keys.
// docs/security.md has the threat model, the auth file's format, the
// condition keys each operation sets, and the parts of IAM left out.
package auth
