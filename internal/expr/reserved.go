package expr

import (
	_ "embed"
	"strings"
)

//go:embed reserved_words.txt
var reservedWordsText string

// reservedWords is DynamoDB's reserved-word list, upper case. It is built
// once from the embedded file and never changes.
var reservedWords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, line := range strings.Split(reservedWordsText, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, w := range strings.Fields(line) {
			m[w] = struct{}{}
		}
	}
	return m
}()

// isReserved reports whether an attribute name must be aliased.
func isReserved(name string) bool {
	_, ok := reservedWords[strings.ToUpper(name)]
	return ok
}
