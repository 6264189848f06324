/** The directory of the compiled command (services/cli/dist/). */
export declare const DIST: URL;
/** Why the build in `dist` cannot be used ('no build', a file that changed, …), or undefined when it can. */
export declare function staleBuild(dist?: URL, root?: URL): string | undefined;
