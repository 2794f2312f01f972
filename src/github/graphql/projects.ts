/**
 * The Projects (v2) board's documents: one read of the board and the issues, then at most one
 * write adding issues to the board and one setting their Status, each with one alias per issue.
 */

/** Board items read per issue to find the one on our board; an issue on more boards is added again (harmless). */
export const PROJECT_ITEMS_PER_ISSUE = 20;

/** Most issues one write document carries; more take another request each. */
export const PROJECT_WRITE_BATCH = 100;

/**
 * The board (its id and fields with their options) and, per issue, its node id and the items it
 * has on boards the token can see, each with its board and the option of its `Status` field.
 * The board owner is an organization or a user; the alias `owner` is the same for both.
 */
export function projectStatusQuery(
  ownerType: 'organization' | 'user',
  issues: readonly number[],
): string {
  const lookups = issues.map(
    (n) => `    i${Math.trunc(n)}: issue(number: ${Math.trunc(n)}) {
      id
      projectItems(first: ${PROJECT_ITEMS_PER_ISSUE}) {
        pageInfo {
          hasNextPage
        }
        nodes {
          id
          project {
            id
          }
          status: fieldValueByName(name: "Status") {
            ... on ProjectV2ItemFieldSingleSelectValue {
              optionId
            }
          }
        }
      }
    }`,
  );
  return `query ProjectStatus($login: String!, $number: Int!, $owner: String!, $name: String!) {
  owner: ${ownerType}(login: $login) {
    projectV2(number: $number) {
      id
      title
      url
      fields(first: 50) {
        nodes {
          ... on ProjectV2FieldCommon {
            id
            name
            dataType
          }
          ... on ProjectV2SingleSelectField {
            options {
              id
              name
            }
          }
        }
      }
    }
  }
  repository(owner: $owner, name: $name) {
${lookups.join('\n')}
  }
}
`;
}

/** Adds `count` issues to the board (`$c0`…: their node ids); one already there comes back as it is. */
export function addProjectItemsMutation(count: number): string {
  const variables = ['$project: ID!'];
  const fields: string[] = [];
  for (let i = 0; i < count; i++) {
    variables.push(`$c${i}: ID!`);
    fields.push(`  a${i}: addProjectV2ItemById(input: { projectId: $project, contentId: $c${i} }) {
    item {
      id
    }
  }`);
  }
  return `mutation ProjectAddItems(${variables.join(', ')}) {
${fields.join('\n')}
}
`;
}

/** Sets the single-select `$field` of `count` items (`$i0`…) to options (`$o0`…). */
export function setProjectStatusMutation(count: number): string {
  const variables = ['$project: ID!', '$field: ID!'];
  const fields: string[] = [];
  for (let i = 0; i < count; i++) {
    variables.push(`$i${i}: ID!`, `$o${i}: String!`);
    fields.push(`  s${i}: updateProjectV2ItemFieldValue(
    input: {
      projectId: $project
      itemId: $i${i}
      fieldId: $field
      value: { singleSelectOptionId: $o${i} }
    }
  ) {
    projectV2Item {
      id
    }
  }`);
  }
  return `mutation ProjectSetStatus(${variables.join(', ')}) {
${fields.join('\n')}
}
`;
}
