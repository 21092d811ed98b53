package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/dynago/dynago/internal/auth"
)

// Example shows the calls a server and an engine make: load the auth
// file, verify a request's signature, authorize its action.
func Example() {
	cfg, err := auth.Parse("auth.yaml", []byte(`
accounts:
  "111122223333":
    users:
      app:
        accessKeys: [{id: AKIDAPP, secret: app-secret}]
        policies:
          - Version: "2012-10-17"
            Statement:
              Effect: Allow
              Action: [dynamodb:GetItem, dynamodb:PutItem]
              Resource: "arn:aws:dynamodb:*:111122223333:table/orders"
              Condition:
                ForAllValues:StringEquals: {dynamodb:LeadingKeys: ["${aws:username}"]}
`))
	if err != nil {
		fmt.Println(err)
		return
	}

	// A client signs a PutItem (here with aws-sdk-go-v2's signer).
	body := `{"TableName":"orders","Item":{"customer":{"S":"app"}}}`
	req, _ := http.NewRequest("POST", "http://localhost:8000/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
	sum := sha256.Sum256([]byte(body))
	signedAt := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDAPP", SecretAccessKey: "app-secret"},
		req, hex.EncodeToString(sum[:]), "dynamodb", "eu-west-1", signedAt)
	req.Header.Set("Content-Length", fmt.Sprint(len(body)))

	// The server verifies it.
	verifier := auth.NewVerifier(auth.VerifierOptions{})
	id, err := verifier.Verify(cfg, &auth.SignedRequest{
		Method: req.Method, Path: req.URL.EscapedPath(), RawQuery: req.URL.RawQuery,
		Host: req.URL.Host, Header: req.Header, Body: []byte(body),
	}, signedAt.Add(time.Minute))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(id.Principal.ARN(), "in", id.Region)

	// The engine authorizes the item it is about to write, and another.
	table := auth.TableARN(id.Region, id.Principal.Account, "orders")
	for _, customer := range []string{"app", "someone-else"} {
		r := &auth.Request{Principal: id.Principal, Action: "dynamodb:PutItem", Resources: []auth.Resource{{ARN: table}}}
		r.Keys.Set(auth.KeyLeadingKeys, customer)
		fmt.Println(customer+":", auth.Authorize(r))
	}

	// Output:
	// arn:aws:iam::111122223333:user/app in eu-west-1
	// app: <nil>
	// someone-else: AccessDeniedException: User: arn:aws:iam::111122223333:user/app is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-1:111122223333:table/orders because no identity-based policy allows the dynamodb:PutItem action
}
