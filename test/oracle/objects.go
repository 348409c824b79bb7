// Object helpers of the oracle: the JSON merge patch an Update sends, what the CRD strategies
// store, the emulation of newer RemoveItems behaviour (keepEmptied), and the output encoding.
package main

import (
	"encoding/json"
	"sort"

	"sigs.k8s.io/structured-merge-diff/v4/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v4/merge"
)

// keepEmptied gives the result newer versions compute where v4.1.2's RemoveItems wrote null for a
// collection that pruning emptied (the fields here are non-nullable): since
// kubernetes-sigs/structured-merge-diff#306 RemoveItems keeps it empty. An empty map is a member
// of the pruned object's field set, so it survives addBackDanglingItems and stays `{}`; an empty
// list is not, so addBackDanglingItems then removes the list the applier had owned items of.
// The removed lists are returned: the update's Compare then reports them removed, so no manager
// keeps them.
func keepEmptied(out, live, cfg map[string]interface{}, at fieldpath.Path) []fieldpath.Path {
	var dropped []fieldpath.Path
	for k, v := range out {
		lv, cv := live[k], cfg[k]
		name := k // Go 1.19 reuses the loop variable
		here := append(at.Copy(), fieldpath.PathElement{FieldName: &name})
		if v == nil {
			if isList(lv) || isList(cv) {
				delete(out, k)
				dropped = append(dropped, here)
			} else if isObject(lv) || isObject(cv) {
				out[k] = map[string]interface{}{}
			}
			continue
		}
		if m, ok := v.(map[string]interface{}); ok {
			lm, _ := lv.(map[string]interface{})
			cm, _ := cv.(map[string]interface{})
			dropped = append(dropped, keepEmptied(m, orEmpty(lm), orEmpty(cm), here)...)
		}
	}
	return dropped
}

func isList(v interface{}) bool {
	_, ok := v.([]interface{})
	return ok
}

func isObject(v interface{}) bool {
	_, ok := v.(map[string]interface{})
	return ok
}

func orEmpty(m map[string]interface{}) map[string]interface{} {
	if m == nil {
		return map[string]interface{}{}
	}
	return m
}

// mergePatch applies an RFC 7386 JSON merge patch (what kubectl edit and patch send).
func mergePatch(target, patch map[string]interface{}) map[string]interface{} {
	for k, pv := range patch {
		if pv == nil {
			delete(target, k)
			continue
		}
		pm, ok := pv.(map[string]interface{})
		if !ok {
			target[k] = pv
			continue
		}
		tm, ok := target[k].(map[string]interface{})
		if !ok {
			tm = map[string]interface{}{}
		}
		target[k] = mergePatch(tm, pm)
	}
	return target
}

func copyJSON(v map[string]interface{}) map[string]interface{} {
	if v == nil {
		return map[string]interface{}{}
	}
	b, _ := json.Marshal(v)
	out := map[string]interface{}{}
	_ = json.Unmarshal(b, &out)
	return out
}

func withoutManagedFields(v map[string]interface{}) map[string]interface{} {
	c := copyJSON(v)
	if meta, ok := c["metadata"].(map[string]interface{}); ok {
		delete(meta, "managedFields")
	}
	return c
}

// afterStrategy is what the CRD strategies store: main-resource writes keep the old status,
// status writes keep everything but the new status.
func afterStrategy(old, next map[string]interface{}, subresource string) map[string]interface{} {
	if subresource == "status" {
		out := copyJSON(old)
		if st, ok := next["status"]; ok {
			out["status"] = st
		} else {
			delete(out, "status")
		}
		return out
	}
	out := copyJSON(next)
	if st, ok := old["status"]; ok {
		out["status"] = st
	} else {
		delete(out, "status")
	}
	return out
}

func conflictsOf(cs merge.Conflicts) []conflict {
	out := []conflict{}
	for _, c := range cs {
		var id managerID
		name := c.Manager
		if json.Unmarshal([]byte(c.Manager), &id) == nil {
			name = id.Manager
		}
		out = append(out, conflict{Manager: name, Field: c.Path.String()})
	}
	return out
}

func encode(managers fieldpath.ManagedFields, touched map[string]bool) ([]entry, error) {
	out := []entry{}
	for key, vs := range managers {
		var id managerID
		if err := json.Unmarshal([]byte(key), &id); err != nil {
			return nil, err
		}
		fields, err := vs.Set().ToJSON()
		if err != nil {
			return nil, err
		}
		out = append(out, entry{
			Manager: id.Manager, Operation: id.Operation, APIVersion: string(vs.APIVersion()),
			Subresource: id.Subresource, FieldsV1: fields, Touched: touched[key],
		})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Operation != b.Operation {
			return a.Operation < b.Operation
		}
		if a.Manager != b.Manager {
			return a.Manager < b.Manager
		}
		return a.Subresource < b.Subresource
	})
	return out, nil
}
