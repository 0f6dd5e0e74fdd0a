// Lets TypeScript import single-file components (the theme's MermaidDiagram.vue) when type-checking the site config.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';

  const component: DefineComponent;
  export default component;
}
