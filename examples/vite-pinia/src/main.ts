import { createSyncPlugin } from '@statesync/pinia';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';

const pinia = createPinia();
pinia.use(createSyncPlugin()); // the one line: stores with a `sync` option follow every tab of this origin

createApp(App).use(pinia).mount('#app');
