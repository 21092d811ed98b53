package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// seedScan writes n items with keys "item-000".. into a new table "ScanT".
func seedScan(t *testing.T, c *dynamodb.Client, n int) {
	t.Helper()
	makeTable(t, c, "ScanT", hashS)
	for i := 0; i < n; i += 25 {
		var reqs []types.WriteRequest
		for j := i; j < i+25 && j < n; j++ {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"pk": S(fmt.Sprintf("item-%03d", j)), "n": N(fmt.Sprint(j))}}})
		}
		batchWriteAll(t, c, map[string][]types.WriteRequest{"ScanT": reqs})
	}
}

// scanAll pages through a scan and returns the partition keys seen, with
// the number of pages.
func scanAll(t *testing.T, c *dynamodb.Client, in *dynamodb.ScanInput) (keys []string, pages int) {
	t.Helper()
	p := dynamodb.NewScanPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("Scan page %d: %v", pages, err)
		}
		if in.Limit != nil && len(page.Items) > int(*in.Limit) {
			t.Errorf("page %d has %d items, limit %d", pages, len(page.Items), *in.Limit)
		}
		for _, it := range page.Items {
			keys = append(keys, sval(t, it["pk"]))
		}
		pages++
	}
	return keys, pages
}

// wantEachOnce checks keys holds item-000..item-(n-1) exactly once each.
func wantEachOnce(t *testing.T, keys []string, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, k := range keys {
		seen[k]++
	}
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("item-%03d", i)
		if seen[k] != 1 {
			t.Errorf("%s seen %d times", k, seen[k])
		}
	}
	if len(keys) != n {
		t.Errorf("scanned %d items, want %d", len(keys), n)
	}
}

func TestScanPaging(t *testing.T) {
	c := client(t)
	seedScan(t, c, 100)
	keys, pages := scanAll(t, c, &dynamodb.ScanInput{TableName: aws.String("ScanT")})
	wantEachOnce(t, keys, 100)
	if pages != 1 {
		t.Errorf("unlimited scan of a small table took %d pages", pages)
	}
	keys, pages = scanAll(t, c, &dynamodb.ScanInput{TableName: aws.String("ScanT"), Limit: aws.Int32(9)})
	wantEachOnce(t, keys, 100)
	if pages != 12 {
		t.Errorf("Limit 9 over 100 items: %d pages, want 12", pages)
	}
}

// A scan page stops at 1 MB of data even without a Limit.
func TestScanOneMegabytePage(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Big", hashS)
	blob := strings.Repeat("z", 100*1024)
	const n = 25 // 2.5 MB in all
	for i := 0; i < n; i++ {
		put(t, c, "Big", item{"pk": S(fmt.Sprintf("item-%03d", i)), "blob": S(blob)})
	}
	first, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("Big")})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if first.LastEvaluatedKey == nil || len(first.Items) >= n || len(first.Items) > 11 {
		t.Errorf("first page: %d items, LastEvaluatedKey %v; want about 10 items (1 MB) and a key", len(first.Items), first.LastEvaluatedKey != nil)
	}
	keys, pages := scanAll(t, c, &dynamodb.ScanInput{TableName: aws.String("Big")})
	wantEachOnce(t, keys, n)
	if pages < 3 {
		t.Errorf("2.5 MB scanned in %d pages, want at least 3", pages)
	}
}

// Parallel segments split the table: together they return every item
// exactly once.
func TestScanParallelSegments(t *testing.T) {
	c := client(t)
	seedScan(t, c, 200)
	for _, total := range []int32{1, 2, 4, 7} {
		perSegment := make([][]string, total)
		var wg sync.WaitGroup
		for seg := int32(0); seg < total; seg++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				perSegment[seg], _ = scanAll(t, c, &dynamodb.ScanInput{TableName: aws.String("ScanT"), Segment: aws.Int32(seg), TotalSegments: aws.Int32(total), Limit: aws.Int32(30)})
			}()
		}
		wg.Wait()
		var all []string
		for _, keys := range perSegment {
			all = append(all, keys...)
		}
		t.Run(fmt.Sprintf("TotalSegments=%d", total), func(t *testing.T) { wantEachOnce(t, all, 200) })
		if total == 4 {
			for seg, keys := range perSegment {
				if len(keys) == 0 {
					t.Errorf("segment %d of 4 is empty: the hash space is not split", seg)
				}
			}
		}
	}
	_, err := c.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("ScanT"), Segment: aws.Int32(4), TotalSegments: aws.Int32(4)})
	wantAPIError(t, err, "ValidationException", "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 4 is not less than TotalSegments: 4")
}

func TestScanSelectCount(t *testing.T) {
	c := client(t)
	seedScan(t, c, 60)
	out, err := c.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("ScanT"), Select: types.SelectCount})
	if err != nil {
		t.Fatalf("Scan COUNT: %v", err)
	}
	if out.Count != 60 || out.ScannedCount != 60 || len(out.Items) != 0 {
		t.Errorf("COUNT: Count=%d ScannedCount=%d Items=%d, want 60, 60, 0", out.Count, out.ScannedCount, len(out.Items))
	}
}
