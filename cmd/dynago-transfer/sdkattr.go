package main

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/internal/attr"
)

// The import and export commands talk to DynamoDB through aws-sdk-go-v2,
// whose items are maps of types.AttributeValue, and read and write files
// through dataio, whose items are attr.Items. These convert between them.

func toSDKItem(it attr.Item) map[string]types.AttributeValue {
	m := make(map[string]types.AttributeValue, len(it))
	for k, v := range it {
		m[k] = toSDKValue(v)
	}
	return m
}

func toSDKValue(v attr.Value) types.AttributeValue {
	switch v.Type {
	case attr.TypeS:
		return &types.AttributeValueMemberS{Value: v.S}
	case attr.TypeN:
		return &types.AttributeValueMemberN{Value: v.S}
	case attr.TypeB:
		return &types.AttributeValueMemberB{Value: v.B}
	case attr.TypeBOOL:
		return &types.AttributeValueMemberBOOL{Value: v.Bool}
	case attr.TypeNULL:
		return &types.AttributeValueMemberNULL{Value: true}
	case attr.TypeM:
		return &types.AttributeValueMemberM{Value: toSDKItem(v.M)}
	case attr.TypeL:
		l := make([]types.AttributeValue, len(v.L))
		for i, e := range v.L {
			l[i] = toSDKValue(e)
		}
		return &types.AttributeValueMemberL{Value: l}
	case attr.TypeSS:
		return &types.AttributeValueMemberSS{Value: v.Set}
	case attr.TypeNS:
		return &types.AttributeValueMemberNS{Value: v.Set}
	case attr.TypeBS:
		return &types.AttributeValueMemberBS{Value: v.BS}
	}
	return nil
}

func fromSDKItem(m map[string]types.AttributeValue) (attr.Item, error) {
	it := make(attr.Item, len(m))
	for k, v := range m {
		av, err := fromSDKValue(v)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		it[k] = av
	}
	return it, nil
}

func fromSDKValue(v types.AttributeValue) (attr.Value, error) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return attr.String(v.Value), nil
	case *types.AttributeValueMemberN:
		return attr.Number(v.Value)
	case *types.AttributeValueMemberB:
		return attr.Binary(v.Value), nil
	case *types.AttributeValueMemberBOOL:
		return attr.Bool(v.Value), nil
	case *types.AttributeValueMemberNULL:
		return attr.Null(), nil
	case *types.AttributeValueMemberM:
		m, err := fromSDKItem(v.Value)
		return attr.Map(m), err
	case *types.AttributeValueMemberL:
		l := make([]attr.Value, len(v.Value))
		for i, e := range v.Value {
			av, err := fromSDKValue(e)
			if err != nil {
				return attr.Value{}, err
			}
			l[i] = av
		}
		return attr.List(l...), nil
	case *types.AttributeValueMemberSS:
		return attr.StringSet(v.Value...), nil
	case *types.AttributeValueMemberNS:
		return attr.NumberSet(v.Value...), nil
	case *types.AttributeValueMemberBS:
		return attr.BinarySet(v.Value...), nil
	}
	return attr.Value{}, fmt.Errorf("unknown attribute value %T", v)
}
