package dataio_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/dataio"
)

// Reading a CSV file as ImportTable would, with the table's key typed by
// its declaration, then writing the items as DynamoDB's Ion export does.
func Example() {
	in := strings.NewReader("Id,Title,Price\n103,Book 103 Title,2000\nbad,x,1\n104,Book 104 Title,1500\n")
	r, err := dataio.NewReader(in, dataio.ReaderOptions{
		Format: dataio.FormatCSV,
		Keys:   []dataio.KeyAttribute{{Name: "Id", Type: attr.TypeN, Required: true}},
		CSV:    dataio.CSVOptions{Infer: true},
	})
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	w, _ := dataio.NewWriter(&out, dataio.WriterOptions{Format: dataio.FormatION})
	for {
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *dataio.LineError
		if errors.As(err, &le) {
			fmt.Println("skipped line", le.Line)
			continue
		}
		if err != nil {
			panic(err)
		}
		w.Write(it)
	}
	w.Close()
	fmt.Print(out.String())
	// Output:
	// skipped line 3
	// $ion_1_0 {Item:{Id:103.,Price:2d3,Title:"Book 103 Title"}}
	// $ion_1_0 {Item:{Id:104.,Price:15d2,Title:"Book 104 Title"}}
}
