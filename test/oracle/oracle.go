// Command oracle runs server-side apply and managedFields bookkeeping through the real
// sigs.k8s.io/structured-merge-diff (merge.Updater, typed.NewParser), wrapped the way
// k8s.io/apimachinery/pkg/util/managedfields/internal wraps it for a custom resource:
// stripMeta (stripmeta.go), the "current-operation" merge of updates (managedfieldsupdater.go),
// manager identifiers (buildmanagerinfo.go) and the CRD reset fields (apiextensions-apiserver
// pkg/registry/customresource strategy.go / status_strategy.go).
//
// Input on stdin (JSON): {schema, typeName, apiVersion, ops: [{manager, operation, object | patch,
// force, subresource}], fieldSets: [object...]}; an Update's patch is a JSON merge patch of the
// live object. Output on stdout (JSON): one result per op (object, managedFields, or conflicts,
// or an error) and the ToFieldSet of every object in fieldSets.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"sigs.k8s.io/structured-merge-diff/v4/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v4/merge"
	"sigs.k8s.io/structured-merge-diff/v4/typed"
)

type request struct {
	Schema     string                   `json:"schema"`
	TypeName   string                   `json:"typeName"`
	APIVersion string                   `json:"apiVersion"`
	Ops        []operation              `json:"ops"`
	FieldSets  []map[string]interface{} `json:"fieldSets"`
	// KeepEmptied asks for the current RemoveItems behaviour (see state.keepEmptied).
	KeepEmptied bool `json:"keepEmptied"`
}

type operation struct {
	Manager     string                 `json:"manager"`
	Operation   string                 `json:"operation"`
	Object      map[string]interface{} `json:"object"`
	Patch       map[string]interface{} `json:"patch"`
	Force       bool                   `json:"force"`
	Subresource string                 `json:"subresource,omitempty"`
}

type entry struct {
	Manager     string          `json:"manager"`
	Operation   string          `json:"operation"`
	APIVersion  string          `json:"apiVersion"`
	Subresource string          `json:"subresource,omitempty"`
	FieldsV1    json.RawMessage `json:"fieldsV1"`
	// Touched: the apiserver gives this entry the time of this operation.
	Touched bool `json:"touched"`
}

type conflict struct {
	Manager string `json:"manager"`
	Field   string `json:"field"`
}

type result struct {
	Object        map[string]interface{} `json:"object,omitempty"`
	ManagedFields []entry                `json:"managedFields,omitempty"`
	Conflicts     []conflict             `json:"conflicts,omitempty"`
	Error         string                 `json:"error,omitempty"`
}

type response struct {
	Results   []result          `json:"results"`
	FieldSets []json.RawMessage `json:"fieldSets"`
	Error     string            `json:"error,omitempty"`
}

// managerID is the identity the apiserver keys managers by (BuildManagerIdentifier: Apply
// entries carry no apiVersion).
type managerID struct {
	Manager     string `json:"manager"`
	Operation   string `json:"operation"`
	APIVersion  string `json:"apiVersion,omitempty"`
	Subresource string `json:"subresource,omitempty"`
}

func idOf(op operation, apiVersion string) string {
	id := managerID{Manager: op.Manager, Operation: op.Operation, Subresource: op.Subresource}
	if op.Operation == "Update" {
		id.APIVersion = apiVersion
	}
	b, _ := json.Marshal(id)
	return string(b)
}

// stripSet is stripmeta.go's list: never part of a stored set.
func stripSet() *fieldpath.Set {
	return fieldpath.NewSet(
		fieldpath.MakePathOrDie("apiVersion"),
		fieldpath.MakePathOrDie("kind"),
		fieldpath.MakePathOrDie("metadata"),
		fieldpath.MakePathOrDie("metadata", "name"),
		fieldpath.MakePathOrDie("metadata", "namespace"),
		fieldpath.MakePathOrDie("metadata", "creationTimestamp"),
		fieldpath.MakePathOrDie("metadata", "selfLink"),
		fieldpath.MakePathOrDie("metadata", "uid"),
		fieldpath.MakePathOrDie("metadata", "clusterName"),
		fieldpath.MakePathOrDie("metadata", "generation"),
		fieldpath.MakePathOrDie("metadata", "managedFields"),
		fieldpath.MakePathOrDie("metadata", "resourceVersion"),
	)
}

func strip(managers fieldpath.ManagedFields, id string) {
	vs, ok := managers[id]
	if !ok {
		return
	}
	s := vs.Set().Difference(stripSet())
	if s.Empty() {
		delete(managers, id)
		return
	}
	managers[id] = fieldpath.NewVersionedSet(s, vs.APIVersion(), vs.Applied())
}

type noConversion struct{}

func (noConversion) Convert(v *typed.TypedValue, _ fieldpath.APIVersion) (*typed.TypedValue, error) {
	return v, nil
}

func (noConversion) IsMissingVersionError(error) bool { return false }

// resetFields: the main resource never changes status, the status subresource never changes spec.
func resetFields(apiVersion, subresource string) map[fieldpath.APIVersion]*fieldpath.Set {
	p := "status"
	if subresource == "status" {
		p = "spec"
	}
	reset := fieldpath.NewSet(fieldpath.MakePathOrDie(p))
	return map[fieldpath.APIVersion]*fieldpath.Set{fieldpath.APIVersion(apiVersion): reset}
}

type state struct {
	pt         typed.ParseableType
	apiVersion string
	live       map[string]interface{}
	managers   fieldpath.ManagedFields
	// keepEmptied: behave like structured-merge-diff since kubernetes-sigs/structured-merge-diff#306
	// for non-nullable fields (a map or list emptied by pruning stays empty instead of null).
	keepEmptied bool
}

func (s *state) run(op operation) result {
	updater := merge.Updater{Converter: noConversion{}, IgnoredFields: resetFields(s.apiVersion, op.Subresource)}
	version := fieldpath.APIVersion(s.apiVersion)
	liveTV, err := s.pt.FromUnstructured(s.live)
	if err != nil {
		return result{Error: "live: " + err.Error()}
	}
	id := idOf(op, s.apiVersion)
	managers := s.managers.Copy()
	touched := map[string]bool{}
	var next map[string]interface{}
	switch op.Operation {
	case "Apply":
		cfg, err := s.pt.FromUnstructured(withoutManagedFields(op.Object))
		if err != nil {
			return result{Error: "failed to create typed patch object: " + err.Error()}
		}
		out, m, err := updater.Apply(liveTV, cfg, version, managers, id, op.Force)
		if err != nil {
			if cs, ok := err.(merge.Conflicts); ok {
				return result{Conflicts: conflictsOf(cs)}
			}
			return result{Error: err.Error()}
		}
		managers = m
		strip(managers, id)
		next = s.live
		if out != nil {
			next = out.AsValue().Unstructured().(map[string]interface{})
			if s.keepEmptied {
				for _, p := range keepEmptied(next, s.live, op.Object, nil) {
					gone := fieldpath.NewSet(p)
					for key, vs := range managers {
						managers[key] = fieldpath.NewVersionedSet(vs.Set().RecursiveDifference(gone), vs.APIVersion(), vs.Applied())
						if managers[key].Set().Empty() {
							delete(managers, key)
						}
					}
				}
			}
			touched[id] = true
		}
	case "Update":
		obj := op.Object
		if op.Patch != nil {
			obj = mergePatch(copyJSON(s.live), op.Patch)
		}
		newTV, err := s.pt.FromUnstructured(withoutManagedFields(obj))
		if err != nil {
			return result{Error: "new object: " + err.Error()}
		}
		const self = "current-operation"
		_, m, err := updater.Update(liveTV, newTV, version, managers, self)
		if err != nil {
			return result{Error: err.Error()}
		}
		managers = m
		strip(managers, self)
		if vs, ok := managers[self]; ok {
			delete(managers, self)
			if prev, ok := managers[id]; ok {
				managers[id] = fieldpath.NewVersionedSet(vs.Set().Union(prev.Set()), vs.APIVersion(), vs.Applied())
			} else {
				managers[id] = vs
			}
			touched[id] = true
		}
		next = withoutManagedFields(obj)
	default:
		return result{Error: "unknown operation " + op.Operation}
	}
	s.live = afterStrategy(s.live, next, op.Subresource)
	s.managers = managers
	entries, err := encode(managers, touched)
	if err != nil {
		return result{Error: err.Error()}
	}
	return result{Object: copyJSON(s.live), ManagedFields: entries}
}

func main() {
	var req request
	var resp response
	enc := json.NewEncoder(os.Stdout)
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		resp.Error = "bad request: " + err.Error()
		_ = enc.Encode(resp)
		return
	}
	parser, err := typed.NewParser(typed.YAMLObject(req.Schema))
	if err != nil {
		resp.Error = "schema: " + err.Error()
		_ = enc.Encode(resp)
		return
	}
	pt := parser.Type(req.TypeName)
	s := &state{pt: pt, apiVersion: req.APIVersion, keepEmptied: req.KeepEmptied}
	s.live, s.managers = map[string]interface{}{}, fieldpath.ManagedFields{}
	resp.Results = []result{}
	for _, op := range req.Ops {
		resp.Results = append(resp.Results, s.run(op))
	}
	resp.FieldSets = []json.RawMessage{}
	for _, obj := range req.FieldSets {
		tv, err := pt.FromUnstructured(obj)
		if err != nil {
			resp.FieldSets = append(resp.FieldSets, json.RawMessage(fmt.Sprintf("%q", err.Error())))
			continue
		}
		set, err := tv.ToFieldSet()
		if err == nil {
			set = set.Difference(stripSet())
			var b []byte
			if b, err = set.ToJSON(); err == nil {
				resp.FieldSets = append(resp.FieldSets, b)
				continue
			}
		}
		resp.FieldSets = append(resp.FieldSets, json.RawMessage(fmt.Sprintf("%q", err.Error())))
	}
	_ = enc.Encode(resp)
}
