/** The toolkit's version; a test keeps it equal to package.json's. */
export const VERSION = '0.1.0';

export const USER_AGENT = `ai-scrum-master/${VERSION}`;
