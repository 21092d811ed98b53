package integration

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// numberCase is one line of testdata/numbers.txt.
type numberCase struct {
	line     int
	in       string
	want     string // normalised form, when accepted
	errorMsg string // ValidationException message, when refused
}

func readNumberCases(t *testing.T) []numberCase {
	t.Helper()
	f, err := os.Open("testdata/numbers.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []numberCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if in, want, ok := strings.Cut(line, " => "); ok {
			cases = append(cases, numberCase{line: n, in: in, want: want})
		} else if in, msg, ok := strings.Cut(line, " !! "); ok {
			cases = append(cases, numberCase{line: n, in: in, errorMsg: msg})
		} else {
			t.Fatalf("numbers.txt:%d: cannot parse %q", n, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// Numbers are stored exactly (never through float64), up to 38
// significant digits, and come back in DynamoDB's normalised form: as an
// attribute, in a number set, and as a sort key.
func TestNumberSemantics(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Nums", hashRangeN)
	for _, tc := range readNumberCases(t) {
		t.Run(fmt.Sprintf("line%d", tc.line), func(t *testing.T) {
			pk := fmt.Sprintf("n%d", tc.line)
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Nums"), Item: item{"pk": S(pk), "sk": N(tc.in), "v": N(tc.in), "set": NS(tc.in)}})
			if tc.errorMsg != "" {
				wantAPIError(t, err, "ValidationException", tc.errorMsg)
				return
			}
			if err != nil {
				t.Fatalf("PutItem %s: %v", tc.in, err)
			}
			// Look the item up by the number written another way.
			got := get(t, c, "Nums", item{"pk": S(pk), "sk": N(tc.want)})
			if got == nil {
				t.Fatalf("no item at sk=%s after writing sk=%s", tc.want, tc.in)
			}
			wantItem(t, got, item{"pk": S(pk), "sk": N(tc.want), "v": N(tc.want), "set": NS(tc.want)})
		})
	}
}

// A number set may not hold the same number twice, however written.
func TestNumberSetDuplicates(t *testing.T) {
	c := client(t)
	makeTable(t, c, "NumSets", hashS)
	_, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("NumSets"), Item: item{"pk": S("a"), "ns": NS("1", "1")}})
	wantAPIError(t, err, "ValidationException", "Input collection contains duplicates")
}
